import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../core/log.ts";
import { Random } from "./random.ts";
import { storefrontPage } from "./storefront-pages.ts";
import { planVisit, type PlannedBeacon } from "./storefront-visits.ts";

export interface StorefrontOptions {
  port: number;
  /** Where the behaviour process answers (the visitors post there; the pages load the SDK from its port). */
  behaviourUrl: string;
  /** New visitors per minute; each posts about four beacons, well inside /collect's per-client limit. */
  visitorsPerMinute: number;
  seed: number;
  log: Logger;
  stopped: () => boolean;
}

export interface Storefront {
  url: string;
  close(): Promise<void>;
}

/**
 * The demo storefront: serves the pages (with the SDK loaded from the behaviour process, on the host name the
 * browser used, so `localhost` and `127.0.0.1` both work) and runs the simulated visitors, whose
 * beacons carry this storefront's origin as a browser's would.
 */
export async function startStorefront(options: StorefrontOptions): Promise<Storefront> {
  const behaviourPort = new URL(options.behaviourUrl).port || "80";
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://storefront");
    const host = (req.headers.host ?? "127.0.0.1").replace(/:\d+$/, "");
    const html =
      req.method === "GET"
        ? storefrontPage(url.pathname, `http://${host}:${behaviourPort}/sdk.js`)
        : undefined;
    res.writeHead(html ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
    res.end(html ?? "Not found");
  });
  await listen(server, options.port);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const traffic = runVisitors(url, options);
  return {
    url,
    close: async () => {
      traffic.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
}

/** A burst at start (so the panels fill at once), then visitors arriving at random at the set rate. */
const BURST = 12;
const TICK_MS = 250;

function runVisitors(origin: string, options: StorefrontOptions): { stop(): void } {
  const random = new Random(options.seed);
  const queue: PlannedBeacon[] = [];
  const add = (at: number) => queue.push(...planVisit(random, at));
  const now = Date.now();
  for (let i = 0; i < BURST; i++) add(now + i * 500);
  const counts = { sent: 0, limited: 0, failed: 0 };
  let lastReport = now;

  const timer = setInterval(() => {
    if (options.stopped()) return;
    const t = Date.now();
    const arrivals = random.poisson((options.visitorsPerMinute * TICK_MS) / 60_000);
    for (let i = 0; i < arrivals; i++) add(t);
    queue.sort((a, b) => a.at - b.at);
    while (queue.length && queue[0]!.at <= t) void post(queue.shift()!);
    if (t - lastReport >= 60_000) {
      options.log.info({ ...counts, storefront: origin }, "demo storefront: beacons, last minute");
      counts.sent = counts.limited = counts.failed = 0;
      lastReport = t;
    }
  }, TICK_MS);

  // Like the SDK: a 429 drops that beacon and carries on; anything else is worth a log line.
  async function post({ beacon, userAgent }: PlannedBeacon): Promise<void> {
    try {
      const response = await fetch(new URL("/collect", options.behaviourUrl), {
        method: "POST",
        headers: { "content-type": "text/plain", origin, "user-agent": userAgent },
        body: JSON.stringify(beacon),
        signal: AbortSignal.timeout(5000),
      });
      await response.body?.cancel();
      if (response.status === 202) counts.sent++;
      else if (response.status === 429) counts.limited++;
      else {
        counts.failed++;
        options.log.warn({ status: response.status, path: beacon.path }, "demo storefront: beacon refused");
      }
    } catch (err) {
      counts.failed++;
      options.log.warn({ err: String(err) }, "demo storefront: beacon not delivered");
    }
  }

  return { stop: () => clearInterval(timer) };
}
