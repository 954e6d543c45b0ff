import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { secretMatches } from "../../../core/signature.ts";
import { pacificInstant } from "../normalise.ts";
import type { SsLabel } from "./shipments.ts";

/**
 * The demo ShipStation account's V1 API, as much as our fetchers and catch-up read:
 * `GET /shipments` by `batchId` (what a SHIP_NOTIFY names) or from `createDateStart` (Pacific
 * wall-clock time), paged by `page` / `pageSize` (default 100, at most 500) with `total`, `page` and
 * `pages`. Basic auth with the account's key and secret (401 otherwise); every answer carries
 * `X-Rate-Limit-Limit`, `-Remaining` and `-Reset` (seconds left of the minute), and past the quota
 * a 429 until the minute is over — as ShipStation's documented 40 a minute, with a larger quota.
 */

export interface ShipStationApiOptions {
  labels: () => readonly SsLabel[];
  apiKey: string;
  apiSecret: string;
  /** Requests per minute. */
  quota: number;
}

export interface ShipStationApi {
  readonly url: string;
  readonly served: { requests: number; throttled: number };
  close(): Promise<void>;
}

type Answer = [number, unknown];

function listing(labels: readonly SsLabel[], query: URLSearchParams): Answer {
  const batch = query.get("batchId");
  const since = query.get("createDateStart");
  let from = -Infinity;
  if (since !== null) {
    if (!/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$/.test(since))
      return [400, { Message: "The request is invalid.", ExceptionMessage: "createDateStart is not a date" }];
    from = Date.parse(pacificInstant(since.replace(" ", "T")));
  }
  const chosen = labels
    .filter((l) => (batch === null || String(l.batchId) === batch) && l.createdAt >= from)
    .sort((a, b) => a.createdAt - b.createdAt);
  const pageSize = Math.min(500, Math.max(1, Number(query.get("pageSize") ?? "100") || 100));
  const page = Math.max(1, Number(query.get("page") ?? "1") || 1);
  return [
    200,
    {
      shipments: chosen.slice((page - 1) * pageSize, page * pageSize).map((l) => l.json),
      total: chosen.length,
      page,
      pages: Math.ceil(chosen.length / pageSize),
    },
  ];
}

export async function startShipStationApi(
  options: ShipStationApiOptions,
  listen: { port: number; host?: string },
): Promise<ShipStationApi> {
  const served = { requests: 0, throttled: 0 };
  const auth = `Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString("base64")}`;
  let windowStart = Date.now();
  let used = 0;

  const answer = (req: IncomingMessage, res: ServerResponse) => {
    served.requests++;
    const now = Date.now();
    if (now - windowStart >= 60_000) [windowStart, used] = [now, 0];
    const reply = (status: number, payload: unknown) => {
      if (status === 429) served.throttled++;
      res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "x-rate-limit-limit": String(options.quota),
        "x-rate-limit-remaining": String(Math.max(0, options.quota - used)),
        "x-rate-limit-reset": String(Math.max(0, Math.ceil((windowStart + 60_000 - now) / 1000))),
      });
      res.end(JSON.stringify(payload));
    };
    if (!secretMatches(auth, req.headers.authorization)) return reply(401, { Message: "Unauthorized" });
    if (used >= options.quota) return reply(429, { message: "Too Many Requests" });
    used++;
    const url = new URL(req.url ?? "/", "http://demo");
    if (req.method === "GET" && url.pathname === "/shipments")
      return reply(...listing(options.labels(), url.searchParams));
    reply(404, { Message: `No HTTP resource was found that matches the request URI '${url.pathname}'.` });
  };

  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => answer(req, res));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${listen.host ?? "127.0.0.1"}:${port}`,
    served,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
