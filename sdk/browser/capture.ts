import { clickedElement, stableSelector } from "./selector.ts";

/** One thing that happened on the page, in the compact shape `POST /collect` accepts. */
export type Capture =
  | { k: "click"; at: number; x: number; y: number; sel: string; nx: number; ny: number; rage?: 1; dead?: 1 }
  | { k: "scroll"; at: number; depth: number; height: number }
  | { k: "leave"; at: number; dur: number; depth: number; height: number };

const RAGE_COUNT = 3;
const RAGE_MS = 1000;
const RAGE_PX = 30;
/** A click that changed nothing within this long (no DOM change, no navigation) is dead. */
const DEAD_MS = 1000;
const MASK = "[data-md-mask]";

const round3 = (n: number) => Math.round(Math.min(1, Math.max(0, n)) * 1000) / 1000;

/**
 * Watches clicks and scrolling and hands each capture to `emit`. Reads only geometry and the DOM's
 * shape: never text, never an input's value, nothing inside `[data-md-mask]`.
 */
export function startCapture(emit: (capture: Capture) => void): { leave(): void } {
  const started = Date.now();
  const recent: { at: number; x: number; y: number }[] = [];
  let mutations = 0;
  let maxDepth = 0;
  let sentDepth = -1;
  let height = 0;
  // Clicks still waiting to see whether they changed anything; a leaving page decides them at once.
  const undecided = new Set<() => void>();

  const observer = new MutationObserver(() => mutations++);
  observer.observe(document.documentElement, {
    childList: true,
    subtree: true,
    attributes: true,
    characterData: true,
  });

  const onClick = (event: MouseEvent) => {
    const target = event.target;
    if (!(target instanceof Element) || target.closest(MASK)) return;
    const el = clickedElement(target);
    const box = el.getBoundingClientRect();
    const at = Date.now();
    const click: Extract<Capture, { k: "click" }> = {
      k: "click",
      at,
      x: Math.round(event.pageX),
      y: Math.round(event.pageY),
      sel: stableSelector(el),
      nx: round3(box.width ? (event.clientX - box.left) / box.width : 0.5),
      ny: round3(box.height ? (event.clientY - box.top) / box.height : 0.5),
    };
    recent.push({ at, x: click.x, y: click.y });
    while (recent.length > RAGE_COUNT) recent.shift();
    const first = recent[0]!;
    if (
      recent.length === RAGE_COUNT &&
      at - first.at <= RAGE_MS &&
      recent.every((c) => Math.hypot(c.x - first.x, c.y - first.y) <= RAGE_PX)
    )
      click.rage = 1;
    // Links and form fields always do something (navigate, focus): only other elements can be dead.
    if (el.closest("a[href],input,select,textarea,label")) return emit(click);
    const before = mutations;
    const where = location.href;
    const decide = () => {
      clearTimeout(timer);
      undecided.delete(decide);
      if (mutations === before && location.href === where) click.dead = 1;
      emit(click);
    };
    const timer = setTimeout(decide, DEAD_MS);
    undecided.add(decide);
  };

  const measure = () => {
    const doc = document.documentElement;
    height = Math.max(doc.scrollHeight, document.body?.scrollHeight ?? 0);
    maxDepth = Math.max(maxDepth, Math.min(height, Math.round(window.scrollY + window.innerHeight)));
  };
  const reportScroll = () => {
    measure();
    if (maxDepth === sentDepth) return;
    sentDepth = maxDepth;
    emit({ k: "scroll", at: Date.now(), depth: maxDepth, height });
  };

  addEventListener("click", onClick, { capture: true, passive: true });
  addEventListener("scroll", measure, { passive: true });
  const timer = setInterval(reportScroll, 1000);
  reportScroll();

  return {
    /** Ends this page view: its last captures are emitted and nothing more is watched. */
    leave() {
      clearInterval(timer);
      removeEventListener("click", onClick, { capture: true });
      removeEventListener("scroll", measure);
      undecided.forEach((decide) => decide());
      observer.disconnect();
      reportScroll();
      emit({ k: "leave", at: Date.now(), dur: Date.now() - started, depth: maxDepth, height });
    },
  };
}
