import { startCapture } from "./capture.ts";
import { onNavigation } from "./navigation.ts";
import { showOverlay } from "./overlay.ts";
import { pagePath } from "./path.ts";
import { startTransport } from "./transport.ts";

type Command = (name: string, value?: unknown) => void;
interface Stub {
  q?: ArrayLike<unknown>[];
}

const FLUSH_MS = 3000;

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** One id per tab: kept in sessionStorage only when the site allows storage, else per page load. */
function sessionId(storage: boolean): string {
  if (!storage) return randomId();
  try {
    const kept = sessionStorage.getItem("md_sid");
    if (kept && /^[0-9a-f]{24}$/.test(kept)) return kept;
    const fresh = randomId();
    sessionStorage.setItem("md_sid", fresh);
    return fresh;
  } catch {
    return randomId(); // storage blocked (private mode, sandboxed frame): fall back to memory
  }
}

/** Do Not Track and Global Privacy Control both mean: record nothing. */
function optedOut(): boolean {
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
  return nav.doNotTrack === "1" || nav.globalPrivacyControl === true;
}

/** One page view: its captures, batched to `endpoint` until it is left (or stopped, sending nothing more). */
function beginView(endpoint: string, page: { site: string; session: string; path: string }, flushMs: number) {
  const transport = startTransport(endpoint, { ...page, view: randomId(), start: Date.now() }, flushMs);
  const capture = startCapture(transport.push);
  transport.flush(false);
  let left = false;
  return {
    path: page.path,
    /** `unloading`: the page is going away, so the last batch goes by beacon. */
    leave(unloading: boolean) {
      if (left) return;
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

function boot(script: HTMLScriptElement) {
  const site = script.dataset.site ?? "";
  const origin = new URL(script.src, location.href).origin;
  const endpoint = script.dataset.endpoint ?? `${origin}/collect`;
  const path = pagePath(location);
  const token = new URLSearchParams(location.search).get("md_heatmap");
  const win = window as unknown as { metricsdash?: Command & Stub };
  const queued = win.metricsdash?.q ?? [];

  let consent = script.dataset.consent !== "required";
  let running: { stop(): void } | undefined;
  const start = () => {
    if (running || !consent || optedOut() || token || !site) return;
    const session = sessionId(script.dataset.storage === "on");
    const flushMs = Number(script.dataset.flushMs) || FLUSH_MS;
    // The page shown now: after a consent given late, or a router's move, not the one loaded.
    const begin = () => beginView(endpoint, { site, session, path: pagePath(location) }, flushMs);
    let view = begin();
    let stopped = false;
    // A single-page storefront changes page without a load: each page it shows is a view of its own.
    onNavigation(() => {
      if (stopped || pagePath(location) === view.path) return;
      view.leave(false);
      view = begin();
    });
    addEventListener("pagehide", () => view.leave(true));
    // Back to a page kept in the browser's back-forward cache: no load, but a visit of its own.
    addEventListener("pageshow", (event) => {
      if (event.persisted && !stopped) view = begin();
    });
    // Mobile browsers may never fire pagehide for a tab sent to the background: send what we have.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") view.flush();
    });
    running = {
      stop: () => {
        stopped = true;
        view.stop();
      },
    };
  };

  const command: Command = (name, value) => {
    if (name !== "consent") return;
    consent = value === true;
    if (consent) start();
    else running?.stop();
  };
  win.metricsdash = command;
  for (const args of queued) command(args[0] as string, args[1]);
  start();

  // The store owner, opened from a dashboard: show the heatmap instead of recording their visit.
  if (token) {
    const read = endpoint.replace(/\/collect$/, "/heatmap");
    void showOverlay(read, site, path, token).catch((err: unknown) =>
      document.documentElement.setAttribute("data-md-overlay-error", String(err)),
    );
  }
}

const script = document.currentScript;
if (script instanceof HTMLScriptElement) boot(script);
