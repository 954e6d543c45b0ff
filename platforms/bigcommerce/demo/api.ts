import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { secretMatches } from "../../../core/signature.ts";
import { bcStatus } from "../status.ts";
import type { BigCommerceState } from "./feed.ts";
import {
  bcCatalogProductJson,
  bcOrderJson,
  bcOrderProductsJson,
  bcRefundsJson,
  bcStoreJson,
} from "./payloads.ts";

/**
 * The demo BigCommerce store's REST API, answering what the processors' fetchers and catch-up ask
 * (`/stores/<hash>/v2/orders…` by modification or creation time, `/v2/orders/count`,
 * `/v3/orders/<id>/payment_actions/refunds`, `/v3/catalog/…`,
 * `/v2/store`, `/v3/hooks`) from the demo's own state, the way BigCommerce does: `X-Auth-Token`
 * required (401 otherwise); every answer carries `X-Rate-Limit-Requests-Quota`, `-Requests-Left`,
 * `-Time-Window-Ms` and `-Time-Reset-Ms`; past the quota, 429 until the window resets; V2 lists page
 * by `limit`/`page` and answer 204 when empty. The quota is per 30-second window, as BigCommerce's
 * are (150 on Standard and Plus plans, 450 on Pro, far more on Enterprise).
 */

export interface BigCommerceApiOptions {
  state: BigCommerceState;
  storeHash: string;
  accessToken: string;
  /** Where our hooks deliver (ingest's `/webhooks/bigcommerce`), for `GET /v3/hooks`. */
  destination: string;
  webhookSecret: string;
  quota: number;
  windowMs?: number;
  /** The simulation's clock (the store's state is as of this instant). */
  now?: () => number;
}

export interface BigCommerceApi {
  readonly url: string;
  /** Requests answered, and how many of them were 429. */
  readonly served: { requests: number; throttled: number };
  close(): Promise<void>;
}

/** The scopes the demo's hooks are registered for; one hook each, as `setup-hooks.ts` would create them. */
const HOOK_SCOPES = [
  "store/order/created",
  "store/order/statusUpdated",
  "store/order/refund/created",
  "store/product/inventory/updated",
];

export async function startBigCommerceApi(
  options: BigCommerceApiOptions,
  listen: { port: number; host?: string },
): Promise<BigCommerceApi> {
  const windowMs = options.windowMs ?? 30_000;
  const now = options.now ?? Date.now;
  const served = { requests: 0, throttled: 0 };
  const hooks = HOOK_SCOPES.map((scope, i) => ({
    id: 20_000_000 + i,
    scope,
    destination: options.destination,
    is_active: true,
    headers: { "X-Webhook-Secret": options.webhookSecret },
  }));
  let windowStart = Date.now();
  let left = options.quota;

  const rateHeaders = (): Record<string, string> => {
    const t = Date.now();
    if (t - windowStart >= windowMs) {
      windowStart = t;
      left = options.quota;
    }
    return {
      "x-rate-limit-requests-quota": String(options.quota),
      "x-rate-limit-requests-left": String(Math.max(0, left)),
      "x-rate-limit-time-window-ms": String(windowMs),
      "x-rate-limit-time-reset-ms": String(Math.max(0, windowMs - (t - windowStart))),
    };
  };

  const route = (method: string, path: string, query: URLSearchParams, body: string): [number, unknown] => {
    const { state } = options;
    const shop = state.shop;
    if (!shop) return [503, { status: 503, title: "Store not ready" }];
    let match: RegExpExecArray | null;
    const apiBase = url;
    const page = <T>(items: T[]): [number, unknown] => {
      const limit = Math.min(250, Math.max(1, Number(query.get("limit") ?? "50") || 50));
      const number = Math.max(1, Number(query.get("page") ?? "1") || 1);
      const slice = items.slice((number - 1) * limit, number * limit);
      return slice.length ? [200, slice] : [204, undefined];
    };
    if (method === "GET" && (path === "/v2/orders" || path === "/v2/orders/count")) {
      // V2 filters: modified (the catch-up) or created (a connected store's history), seconds precision.
      const bounds = {
        minModified: query.get("min_date_modified"),
        minCreated: query.get("min_date_created"),
        maxCreated: query.get("max_date_created"),
      };
      const ms: Record<string, number> = {};
      for (const [name, value] of Object.entries(bounds)) {
        if (value === null) continue;
        ms[name] = Date.parse(value);
        if (Number.isNaN(ms[name]))
          return [400, [{ status: 400, message: `The date filter '${value}' is invalid.` }]];
      }
      const second = (at: number) => Math.floor(at / 1000) * 1000;
      const list = [...state.orders.values()]
        .filter(
          (o) =>
            (ms.minModified === undefined || second(o.modifiedAt) >= ms.minModified) &&
            (ms.minCreated === undefined || second(o.spec.createdAt) >= ms.minCreated) &&
            (ms.maxCreated === undefined || second(o.spec.createdAt) <= ms.maxCreated),
        )
        .sort((a, b) =>
          query.get("sort") === "id:asc"
            ? a.spec.orderNumber - b.spec.orderNumber
            : a.modifiedAt - b.modifiedAt || a.spec.orderNumber - b.spec.orderNumber,
        );
      // As BigCommerce answers: the count per status (reconciliation adds only the sales statuses).
      if (path === "/v2/orders/count") {
        const ids = [...new Set(list.map((o) => o.statusId))].sort((a, b) => a - b);
        const statuses = ids.map((id) => ({
          id,
          name: bcStatus(id).label,
          count: list.filter((o) => o.statusId === id).length,
        }));
        return [200, { statuses, count: list.length }];
      }
      return page(list.map((o) => bcOrderJson(o, shop, apiBase)));
    }
    if (method === "GET" && (match = /^\/v2\/orders\/(\d+)$/.exec(path))) {
      const order = state.orders.get(Number(match[1]));
      return order
        ? [200, bcOrderJson(order, shop, apiBase)]
        : [404, [{ status: 404, message: "The requested resource was not found." }]];
    }
    if (method === "GET" && (match = /^\/v2\/orders\/(\d+)\/products$/.exec(path))) {
      const order = state.orders.get(Number(match[1]));
      if (!order) return [404, [{ status: 404, message: "The requested resource was not found." }]];
      return page(bcOrderProductsJson(order, shop));
    }
    if (method === "GET" && (match = /^\/v3\/orders\/(\d+)\/payment_actions\/refunds$/.exec(path))) {
      const order = state.orders.get(Number(match[1]));
      if (!order) return [404, { status: 404, title: "Order not found" }];
      return [200, bcRefundsJson(order, shop)];
    }
    if (method === "GET" && (match = /^\/v3\/catalog\/products\/(\d+)$/.exec(path))) {
      const product = state.products.get(Number(match[1]));
      if (!product) return [404, { status: 404, title: "The requested product was not found." }];
      return [200, bcCatalogProductJson(product, shop)];
    }
    if (method === "GET" && path === "/v3/catalog/variants") {
      // Stock is tracked per product in the demo: its variants carry none of their own.
      return [200, { data: [], meta: { pagination: { total: 0, count: 0 } } }];
    }
    if (method === "GET" && path === "/v2/store") return [200, bcStoreJson(shop, now())];
    if (method === "GET" && path === "/v3/hooks") return [200, { data: hooks, meta: {} }];
    if (method === "PUT" && (match = /^\/v3\/hooks\/(\d+)$/.exec(path))) {
      const hook = hooks.find((h) => h.id === Number(match![1]));
      if (!hook) return [404, { status: 404, title: "Webhook not found" }];
      const change = JSON.parse(body || "{}") as { is_active?: boolean };
      if (typeof change.is_active === "boolean") hook.is_active = change.is_active;
      return [200, { data: hook, meta: {} }];
    }
    return [404, { status: 404, title: "Not found" }];
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const requestUrl = new URL(req.url ?? "/", url);
    const prefix = `/stores/${options.storeHash}`;
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      served.requests++;
      if (status === 429) served.throttled++;
      res.writeHead(status, {
        ...(payload === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    if (!requestUrl.pathname.startsWith(`${prefix}/`)) {
      return reply(404, { status: 404, title: "Store not found" });
    }
    const token = req.headers["x-auth-token"];
    if (!secretMatches(options.accessToken, typeof token === "string" ? token : undefined)) {
      return reply(401, [{ status: 401, message: "You are not authorized to access this resource." }]);
    }
    const headers = rateHeaders();
    if (left <= 0) return reply(429, { status: 429, title: "Too many requests" }, headers);
    left--;
    headers["x-rate-limit-requests-left"] = String(left);
    const [status, payload] = route(
      req.method ?? "GET",
      requestUrl.pathname.slice(prefix.length),
      requestUrl.searchParams,
      Buffer.concat(chunks).toString("utf8"),
    );
    reply(status, payload, headers);
  };

  const server: Server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: 500, title: `demo BigCommerce API: ${String(err)}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${listen.host ?? "127.0.0.1"}:${port}`;
  return {
    url,
    served,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
