import type { Capture } from "./capture.ts";

export interface PageView {
  site: string;
  session: string;
  view: string;
  path: string;
  start: number;
}

const MAX_EVENTS = 100;

/**
 * Batches captures and posts them as `text/plain` JSON (a simple request: no CORS preflight).
 * Flushes every `everyMs`, when a batch is full, and on `pagehide` through `sendBeacon`, which the
 * browser delivers even as the page goes away. A 429 drops that batch and carries on; any other
 * refusal, or a failed request (a 403 carries no CORS headers, so it fails too), stops sending.
 */
export function startTransport(endpoint: string, page: PageView, everyMs: number) {
  let queue: Capture[] = [];
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

  const flush = (final: boolean) => {
    if (refused || (!queue.length && seq > 0)) return;
    const data = body();
    if (final && navigator.sendBeacon?.(endpoint, new Blob([data], { type: "text/plain" }))) return;
    fetch(endpoint, {
      method: "POST",
      body: data,
      keepalive: true,
      headers: { "content-type": "text/plain" },
    })
      .then((r) => {
        if (r.status >= 400 && r.status < 500 && r.status !== 429) refused = true;
      })
      // A blocked or refused cross-origin answer (no CORS headers on a 403) lands here.
      .catch(() => (refused = true));
  };

  const timer = setInterval(() => flush(false), everyMs);
  return {
    push(capture: Capture) {
      if (refused) return;
      queue.push(capture);
      if (queue.length >= MAX_EVENTS) flush(false);
    },
    flush,
    stop() {
      clearInterval(timer);
      queue = [];
      refused = true;
    },
  };
}
