/* MetricsDash browser SDK — built by sdk/build.ts from sdk/browser/*.ts */
(()=>{"use strict";
function pagePath(location) {
const kept = [];
new URLSearchParams(location.search).forEach((value, key) => {
if (/^utm_[a-z]{1,20}$/.test(key))
kept.push(`${key}=${encodeURIComponent(value.slice(0, 100))}`);
});
const path = location.pathname.slice(0, 400) || "/";
return kept.length ? `${path}?${kept.join("&")}` : path;
}
function stableName(name) {
return (/^[a-zA-Z][\w-]{0,39}$/.test(name) &&
!/\d{2,}/.test(name) &&
!/^(css|sc|jsx|emotion|svelte|ng|chakra)-/.test(name) &&
!(name.match(/[a-f0-9]{6,}/gi) ?? []).some((run) => /\d/.test(run)) &&
!/[-_](?=[a-zA-Z]*\d)[a-zA-Z0-9]{5,}$/.test(name));
}
const PRESSABLE = "a,button,input,select,textarea,label,summary,[role=button],[data-md-id]";
const MAX_DEPTH = 8;
function segment(el) {
const tag = el.tagName.toLowerCase();
const classes = Array.from(el.classList).filter(stableName).slice(0, 2);
let text = tag + classes.map((c) => "." + CSS.escape(c)).join("");
const parent = el.parentElement;
if (parent) {
const same = Array.from(parent.children).filter((c) => c.tagName === el.tagName);
if (same.length > 1)
text += `:nth-of-type(${same.indexOf(el) + 1})`;
}
return text;
}
function anchor(el) {
const mdId = el.getAttribute("data-md-id");
if (mdId && stableName(mdId))
return `[data-md-id="${mdId}"]`;
if (el.id && stableName(el.id))
return "#" + CSS.escape(el.id);
return el === document.body ? "body" : undefined;
}
function clickedElement(target) {
return target.closest(PRESSABLE) ?? target;
}
function stableSelector(el) {
const parts = [];
for (let node = el; node && parts.length < MAX_DEPTH; node = node.parentElement) {
const start = anchor(node);
if (start)
return [start, ...parts].join(">");
parts.unshift(segment(node));
}
return parts.join(">");
}
const RAGE_COUNT = 3;
const RAGE_MS = 1000;
const RAGE_PX = 30;
const DEAD_MS = 1000;
const MASK = "[data-md-mask]";
const round3 = (n) => Math.round(Math.min(1, Math.max(0, n)) * 1000) / 1000;
function startCapture(emit) {
const started = Date.now();
const recent = [];
let mutations = 0;
let maxDepth = 0;
let sentDepth = -1;
let height = 0;
const undecided = new Set();
const observer = new MutationObserver(() => mutations++);
observer.observe(document.documentElement, {
childList: true,
subtree: true,
attributes: true,
characterData: true,
});
const onClick = (event) => {
const target = event.target;
if (!(target instanceof Element) || target.closest(MASK))
return;
const el = clickedElement(target);
const box = el.getBoundingClientRect();
const at = Date.now();
const click = {
k: "click",
at,
x: Math.round(event.pageX),
y: Math.round(event.pageY),
sel: stableSelector(el),
nx: round3(box.width ? (event.clientX - box.left) / box.width : 0.5),
ny: round3(box.height ? (event.clientY - box.top) / box.height : 0.5),
};
recent.push({ at, x: click.x, y: click.y });
while (recent.length > RAGE_COUNT)
recent.shift();
const first = recent[0];
if (recent.length === RAGE_COUNT &&
at - first.at <= RAGE_MS &&
recent.every((c) => Math.hypot(c.x - first.x, c.y - first.y) <= RAGE_PX))
click.rage = 1;
if (el.closest("a[href],input,select,textarea,label"))
return emit(click);
const before = mutations;
const where = location.href;
const decide = () => {
clearTimeout(timer);
undecided.delete(decide);
if (mutations === before && location.href === where)
click.dead = 1;
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
if (maxDepth === sentDepth)
return;
sentDepth = maxDepth;
emit({ k: "scroll", at: Date.now(), depth: maxDepth, height });
};
addEventListener("click", onClick, { capture: true, passive: true });
addEventListener("scroll", measure, { passive: true });
const timer = setInterval(reportScroll, 1000);
reportScroll();
return {
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
const MAX_EVENTS = 100;
function startTransport(endpoint, page, everyMs) {
let queue = [];
let seq = 0;
let refused = false;
const body = () => {
const batch = {
site: page.site,
session: page.session,
view: page.view,
seq: seq++,
path: page.path,
vw: innerWidth,
vh: innerHeight,
start: page.start,
sent: Date.now(),
events: queue,
};
queue = [];
return JSON.stringify(batch);
};
const flush = (final) => {
if (refused || (!queue.length && seq > 0))
return;
const data = body();
if (final && navigator.sendBeacon?.(endpoint, new Blob([data], { type: "text/plain" })))
return;
fetch(endpoint, {
method: "POST",
body: data,
keepalive: true,
headers: { "content-type": "text/plain" },
})
.then((r) => {
if (r.status >= 400 && r.status < 500 && r.status !== 429)
refused = true;
})
.catch(() => (refused = true));
};
const timer = setInterval(() => flush(false), everyMs);
return {
push(capture) {
if (refused)
return;
queue.push(capture);
if (queue.length >= MAX_EVENTS)
flush(false);
},
flush,
stop() {
clearInterval(timer);
queue = [];
refused = true;
},
};
}
function onNavigation(changed) {
for (const name of ["pushState", "replaceState"]) {
const original = history[name];
history[name] = function (...args) {
const result = original.apply(this, args);
changed();
return result;
};
}
addEventListener("popstate", changed);
}
const Z = "2147483000";
function cover() {
const doc = document.documentElement;
const canvas = document.createElement("canvas");
canvas.width = doc.scrollWidth;
canvas.height = Math.max(doc.scrollHeight, document.body.scrollHeight);
canvas.setAttribute("data-md-overlay", "");
Object.assign(canvas.style, {
position: "absolute",
left: "0",
top: "0",
pointerEvents: "none",
zIndex: Z,
});
return canvas;
}
function find(selector) {
try {
return document.querySelector(selector);
}
catch {
return null;
}
}
function drawClicks(ctx, map) {
const max = Math.max(1, ...map.elements.flatMap((e) => e.cells.map((c) => c[2])));
let total = 0;
for (const element of map.elements) {
const el = find(element.sel);
if (!el)
continue;
const box = el.getBoundingClientRect();
const left = box.left + scrollX;
const top = box.top + scrollY;
for (const [cx, cy, n] of element.cells) {
total += n;
const x = left + ((cx + 0.5) / map.grid) * box.width;
const y = top + ((cy + 0.5) / map.grid) * box.height;
const r = 12 + 18 * (n / max);
const glow = ctx.createRadialGradient(x, y, 0, x, y, r);
glow.addColorStop(0, `rgba(255,0,0,${0.5 + 0.5 * (n / max)})`);
glow.addColorStop(1, "rgba(255,0,0,0)");
ctx.fillStyle = glow;
ctx.fillRect(x - r, y - r, 2 * r, 2 * r);
}
if (element.rage) {
ctx.strokeStyle = "#000";
ctx.lineWidth = 3;
ctx.strokeRect(left, top, box.width, box.height);
}
}
return total;
}
function drawReach(ctx, map, height) {
ctx.font = "12px sans-serif";
map.reach.forEach((share, i) => {
const y = Math.min(height - 2, ((i + 1) / 4) * height);
ctx.fillStyle = "rgba(0,90,255,0.8)";
ctx.fillRect(0, y - 1, ctx.canvas.width, 2);
ctx.fillText(`${Math.round(share * 100)}% of views reach ${(i + 1) * 25}%`, 8, y - 4);
});
}
function legend(clicks, views, close) {
const box = document.createElement("div");
box.setAttribute("data-md-overlay", "");
Object.assign(box.style, {
position: "fixed",
right: "12px",
bottom: "12px",
zIndex: Z,
background: "#fff",
color: "#111",
font: "13px sans-serif",
padding: "8px 10px",
border: "1px solid #999",
borderRadius: "6px",
});
box.textContent = `MetricsDash heatmap: ${clicks} clicks, ${views} views. Red = most clicked, black box = rage clicks. `;
const button = document.createElement("button");
button.textContent = "Close";
button.id = "md-overlay-close";
button.onclick = close;
box.append(button);
return box;
}
async function showOverlay(endpoint, site, path, token) {
const url = `${endpoint}?site=${encodeURIComponent(site)}&path=${encodeURIComponent(path)}`;
const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
if (!response.ok)
throw new Error(`heatmap refused: ${response.status}`);
const map = (await response.json());
const canvas = cover();
const ctx = canvas.getContext("2d");
const clicks = drawClicks(ctx, map);
drawReach(ctx, map, canvas.height);
const parts = [canvas, legend(clicks, map.views, () => parts.forEach((p) => p.remove()))];
document.body.append(...parts);
document.documentElement.setAttribute("data-md-overlay-ready", String(clicks));
}
const FLUSH_MS = 3000;
function randomId() {
const bytes = crypto.getRandomValues(new Uint8Array(12));
return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
function sessionId(storage) {
if (!storage)
return randomId();
try {
const kept = sessionStorage.getItem("md_sid");
if (kept && /^[0-9a-f]{24}$/.test(kept))
return kept;
const fresh = randomId();
sessionStorage.setItem("md_sid", fresh);
return fresh;
}
catch {
return randomId();
}
}
function optedOut() {
const nav = navigator;
return nav.doNotTrack === "1" || nav.globalPrivacyControl === true;
}
function beginView(endpoint, page, flushMs) {
const transport = startTransport(endpoint, { ...page, view: randomId(), start: Date.now() }, flushMs);
const capture = startCapture(transport.push);
transport.flush(false);
let left = false;
return {
path: page.path,
leave(unloading) {
if (left)
return;
left = true;
capture.leave();
transport.flush(unloading);
transport.stop();
},
flush: () => transport.flush(true),
stop: () => {
left = true;
capture.leave();
transport.stop();
},
};
}
function boot(script) {
const site = script.dataset.site ?? "";
const origin = new URL(script.src, location.href).origin;
const endpoint = script.dataset.endpoint ?? `${origin}/collect`;
const path = pagePath(location);
const token = new URLSearchParams(location.search).get("md_heatmap");
const win = window;
const queued = win.metricsdash?.q ?? [];
let consent = script.dataset.consent !== "required";
let running;
const start = () => {
if (running || !consent || optedOut() || token || !site)
return;
const session = sessionId(script.dataset.storage === "on");
const flushMs = Number(script.dataset.flushMs) || FLUSH_MS;
const begin = () => beginView(endpoint, { site, session, path: pagePath(location) }, flushMs);
let view = begin();
let stopped = false;
onNavigation(() => {
if (stopped || pagePath(location) === view.path)
return;
view.leave(false);
view = begin();
});
addEventListener("pagehide", () => view.leave(true));
addEventListener("pageshow", (event) => {
if (event.persisted && !stopped)
view = begin();
});
document.addEventListener("visibilitychange", () => {
if (document.visibilityState === "hidden")
view.flush();
});
running = {
stop: () => {
stopped = true;
view.stop();
},
};
};
const command = (name, value) => {
if (name !== "consent")
return;
consent = value === true;
if (consent)
start();
else
running?.stop();
};
win.metricsdash = command;
for (const args of queued)
command(args[0], args[1]);
start();
if (token) {
const read = endpoint.replace(/\/collect$/, "/heatmap");
void showOverlay(read, site, path, token).catch((err) => document.documentElement.setAttribute("data-md-overlay-error", String(err)));
}
}
const script = document.currentScript;
if (script instanceof HTMLScriptElement)
boot(script);
})();
