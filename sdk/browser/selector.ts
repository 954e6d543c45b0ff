import { stableName } from "./names.ts";

/** Elements a visitor means to press; a click on an icon inside a button counts for the button. */
const PRESSABLE = "a,button,input,select,textarea,label,summary,[role=button],[data-md-id]";
const MAX_DEPTH = 8;

function segment(el: Element): string {
  const tag = el.tagName.toLowerCase();
  const classes = Array.from(el.classList).filter(stableName).slice(0, 2);
  let text = tag + classes.map((c) => "." + CSS.escape(c)).join("");
  const parent = el.parentElement;
  if (parent) {
    const same = Array.from(parent.children).filter((c) => c.tagName === el.tagName);
    if (same.length > 1) text += `:nth-of-type(${same.indexOf(el) + 1})`;
  }
  return text;
}

/** Where a selector may start: an element a developer named on purpose. */
function anchor(el: Element): string | undefined {
  const mdId = el.getAttribute("data-md-id");
  if (mdId && stableName(mdId)) return `[data-md-id="${mdId}"]`;
  if (el.id && stableName(el.id)) return "#" + CSS.escape(el.id);
  return el === document.body ? "body" : undefined;
}

/** The element a click is attributed to: the nearest pressable ancestor, else the target itself. */
export function clickedElement(target: Element): Element {
  return target.closest(PRESSABLE) ?? target;
}

/**
 * A CSS selector that finds `el` again on a later visit: from the nearest named ancestor (or
 * `body`) down, with stable classes and `:nth-of-type` where siblings share a tag.
 */
export function stableSelector(el: Element): string {
  const parts: string[] = [];
  for (let node: Element | null = el; node && parts.length < MAX_DEPTH; node = node.parentElement) {
    const start = anchor(node);
    if (start) return [start, ...parts].join(">");
    parts.unshift(segment(node));
  }
  return parts.join(">");
}
