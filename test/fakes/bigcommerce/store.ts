import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A BigCommerce store as our tests see it, built from BigCommerce's developer documentation:
 * - webhooks are thin: `{created_at, store_id, producer: "stores/<hash>", scope, data: {type, id}, hash}`,
 *   POSTed with the custom `headers` given when the hook was created (`POST /v3/hooks`); every
 *   delivery of one event carries the same `hash`;
 * - a delivery that isn't answered 2xx is retried; a hook that keeps failing is deactivated
 *   (`is_active: false`) and fires no more until someone sets it active again (`PUT /v3/hooks/{id}`).
 *   BigCommerce spreads retries over hours; the fake retries at once, a few times, and deactivates
 *   after `deactivateAfter` events in a row failed all their attempts;
 * - the REST API wants `X-Auth-Token`; every answer carries `X-Rate-Limit-Requests-Quota`,
 *   `-Requests-Left`, `-Time-Window-Ms` and `-Time-Reset-Ms`; past the quota it answers 429 until the
 *   window resets (other apps share the quota, so a 429 can come at any time: `throttleNext`);
 * - V2 orders have RFC 2822 dates and four-decimal money strings; V2 collections answer 204 when
 *   empty; `GET /v2/orders` filters by `min_/max_date_created` and `min_/max_date_modified` (RFC 2822
 *   or ISO 8601, bounds included), sorts by `sort` (`id:asc` by default) and pages by `limit` (default
 *   50, at most 250) and `page`; `GET /v2/orders/count` counts with the same filters; refunds come from
 *   V3 `GET /v3/orders/{id}/payment_actions/refunds` as `{data: [...]}` with numeric amounts;
 * - every token belongs to one store (another store's token gets 401) and to one API account (a
 *   store-level account made in the control panel, or an app's install) with OAuth scopes: a request
 *   outside them gets 403; a `_read_only` scope allows GET only; webhooks need only the default scope;
 *   a token sees and changes only the hooks its own API account created.
 * Orders carry names, emails, addresses and IPs so tests can prove none of it is kept.
 */

export const BC_PII = {
  firstName: "Bcprivatefirst",
  lastName: "Bcprivatelast",
  email: "bc.private.buyer@example.net",
  phone: "+1 512 555 0199",
  address: "1 Bcprivate Plaza",
  ip: "192.0.2.144",
};

export interface BcLineSpec {
  id: number;
  productId: number;
  variantId?: number;
  sku?: string;
  quantity: number;
  unitMinor: number;
}

export interface BcOrderSpec {
  id: number;
  statusId?: number;
  currency?: string;
  createdAt: string;
  lines: BcLineSpec[];
  shippingMinor?: number;
  taxMinor?: number;
  customerId?: number;
}

interface StoredOrder {
  spec: BcOrderSpec;
  statusId: number;
  modifiedAt: string;
  refunds: {
    id: number;
    createdAt: string;
    amountMinor: number;
    items: { lineId: number; quantity: number }[];
  }[];
}

interface Hook {
  id: number;
  /** The API account that created it: hooks are visible only to the account that made them. */
  account: string;
  scope: string;
  destination: string;
  headers: Record<string, string>;
  is_active: boolean;
  failedEventsInARow: number;
}

const DECIMALS: Record<string, number> = { JPY: 0, KWD: 3 };
const decimals = (currency: string) => DECIMALS[currency] ?? 2;

/** V2 money: four decimal places whatever the currency ("12.3400"). */
export function bcMoney(minor: number, currency: string): string {
  const exact = (Math.abs(minor) / 10 ** decimals(currency)).toFixed(decimals(currency));
  const [whole, fraction = ""] = exact.split(".");
  return `${minor < 0 ? "-" : ""}${whole}.${fraction.padEnd(4, "0")}`;
}

/** RFC 2822, as V2 writes dates. */
const rfc2822 = (iso: string) => new Date(iso).toUTCString().replace("GMT", "+0000");

/** Which OAuth scope a REST path needs (null: the default scope every API account has). */
function scopeFor(path: string): string | null {
  if (/^\/v2\/orders|^\/v3\/orders/.test(path)) return "store_v2_orders";
  if (path.startsWith("/v3/catalog")) return "store_v2_products";
  if (path === "/v2/store") return "store_v2_information";
  return null;
}

/** An API account's grant: its name (hooks belong to it) and OAuth scopes ("all": every one). */
export interface ApiGrant {
  account: string;
  scopes: string[] | "all";
}

export class FakeBigCommerce {
  readonly storeHash: string;
  /** The token of a store-level API account with every scope, made when the store opened. */
  readonly accessToken = randomBytes(16).toString("hex");
  /** Every valid token of this store and the account it belongs to. */
  readonly tokens = new Map<string, ApiGrant>([[this.accessToken, { account: "store-api", scopes: "all" }]]);
  readonly apiUrl: string;
  readonly orders = new Map<number, StoredOrder>();
  readonly hooks: Hook[] = [];
  readonly deliveries: { hookId: number; scope: string; status: number }[] = [];
  /** Every event body sent, so a test can redeliver one exactly. */
  readonly sent: string[] = [];
  /** Requests the API served (path, status), for tests to read. */
  readonly requests: { method: string; path: string; status: number }[] = [];
  quota = 150;
  windowMs = 30_000;
  deactivateAfter = 3;
  attemptsPerEvent = 2;
  private left = this.quota;
  private windowStart = Date.now();
  private forced429 = 0;
  private readonly server: Server | undefined;
  private nextHookId = 1;
  private nextRefundId = 700;

  /** A store without a server of its own is served by a FakeBigCommercePlatform (fake/platform.ts). */
  constructor(server: Server | undefined, apiUrl: string, storeHash: string) {
    this.server = server;
    this.apiUrl = apiUrl;
    this.storeHash = storeHash;
  }

  /** A store-level API account, as the merchant makes one in Settings → API accounts. */
  createApiAccount(scopes: string[], account = `store-api-${randomBytes(3).toString("hex")}`): string {
    const token = randomBytes(16).toString("hex");
    this.tokens.set(token, { account, scopes });
    return token;
  }

  /** What an app's uninstall does: its token stops working and the hooks it created are deleted. */
  removeAccount(account: string): void {
    for (const [token, grant] of this.tokens) if (grant.account === account) this.tokens.delete(token);
    for (let i = this.hooks.length - 1; i >= 0; i--)
      if (this.hooks[i]!.account === account) this.hooks.splice(i, 1);
  }

  static async start(storeHash = "abc123def"): Promise<FakeBigCommerce> {
    const holder: { store?: FakeBigCommerce } = {};
    const server = createServer((req, res) =>
      holder.store!.serve(req, res).catch((err: unknown) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ status: 500, title: String(err) }));
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    holder.store = new FakeBigCommerce(server, `http://127.0.0.1:${port}`, storeHash);
    return holder.store;
  }

  stop(): Promise<void> {
    const server = this.server;
    return server ? new Promise((resolve) => server.close(() => resolve())) : Promise.resolve();
  }

  /** The next `count` API requests get 429, as when other apps spent the store's shared quota. */
  throttleNext(count: number, resetMs = 300): void {
    this.forced429 = count;
    this.forcedResetMs = resetMs;
  }
  private forcedResetMs = 300;

  addHook(scope: string, destination: string, headers: Record<string, string>, account = "store-api"): Hook {
    const hook = {
      id: this.nextHookId++,
      account,
      scope,
      destination,
      headers,
      is_active: true,
      failedEventsInARow: 0,
    };
    this.hooks.push(hook);
    return hook;
  }

  private orderJson(stored: StoredOrder) {
    const { spec } = stored;
    const currency = spec.currency ?? "USD";
    const subtotal = spec.lines.reduce((sum, l) => sum + l.unitMinor * l.quantity, 0);
    const total = subtotal + (spec.shippingMinor ?? 0) + (spec.taxMinor ?? 0);
    const money = (minor: number) => bcMoney(minor, currency);
    return {
      id: spec.id,
      customer_id: spec.customerId ?? 0,
      date_created: rfc2822(spec.createdAt),
      date_modified: rfc2822(stored.modifiedAt),
      date_shipped: "",
      status_id: stored.statusId,
      status: "Awaiting Fulfillment",
      custom_status: "Awaiting Fulfillment",
      subtotal_ex_tax: money(subtotal),
      subtotal_inc_tax: money(subtotal + (spec.taxMinor ?? 0)),
      subtotal_tax: money(spec.taxMinor ?? 0),
      base_shipping_cost: money(spec.shippingMinor ?? 0),
      shipping_cost_ex_tax: money(spec.shippingMinor ?? 0),
      shipping_cost_inc_tax: money(spec.shippingMinor ?? 0),
      total_ex_tax: money(total - (spec.taxMinor ?? 0)),
      total_inc_tax: money(total),
      total_tax: money(spec.taxMinor ?? 0),
      items_total: spec.lines.reduce((sum, l) => sum + l.quantity, 0),
      refunded_amount: money(stored.refunds.reduce((sum, r) => sum + r.amountMinor, 0)),
      discount_amount: money(0),
      coupon_discount: money(0),
      payment_method: "Credit Card",
      currency_id: 1,
      currency_code: currency,
      currency_exchange_rate: "1.0000000000",
      default_currency_id: 1,
      default_currency_code: currency,
      ip_address: BC_PII.ip,
      ip_address_v6: "",
      is_deleted: false,
      customer_message: `Ring ${BC_PII.firstName}`,
      billing_address: {
        first_name: BC_PII.firstName,
        last_name: BC_PII.lastName,
        street_1: BC_PII.address,
        city: "Austin",
        zip: "78701",
        country: "United States",
        phone: BC_PII.phone,
        email: BC_PII.email,
      },
      products: {
        url: `${this.apiUrl}/stores/${this.storeHash}/v2/orders/${spec.id}/products`,
        resource: `/orders/${spec.id}/products`,
      },
    };
  }

  private productsJson(stored: StoredOrder) {
    const currency = stored.spec.currency ?? "USD";
    return stored.spec.lines.map((line) => ({
      id: line.id,
      order_id: stored.spec.id,
      product_id: line.productId,
      variant_id: line.variantId ?? 0,
      name: "Canvas Tote – Natural/Large",
      sku: line.sku ?? "",
      quantity: line.quantity,
      base_price: bcMoney(line.unitMinor, currency),
      price_ex_tax: bcMoney(line.unitMinor, currency),
      price_inc_tax: bcMoney(line.unitMinor, currency),
      total_ex_tax: bcMoney(line.unitMinor * line.quantity, currency),
      total_inc_tax: bcMoney(line.unitMinor * line.quantity, currency),
    }));
  }

  /** Catalog stock: products tracked per product, or per variant. */
  readonly products = new Map<
    number,
    {
      sku: string;
      tracking: "none" | "product" | "variant";
      level: number;
      modifiedAt: string;
      variants: { id: number; sku: string; level: number }[];
    }
  >();

  /** A stock change as the control panel or an order makes it: `store/product/inventory/updated`. */
  async setProductStock(productId: number, sku: string, level: number, modifiedAt: string): Promise<void> {
    this.products.set(productId, { sku, tracking: "product", level, modifiedAt, variants: [] });
    await this.fire("store/product/inventory/updated", {
      type: "product",
      id: productId,
      inventory: { product_id: productId, method: "absolute", value: level },
    });
  }

  /** A variant's stock change: `store/sku/inventory/updated` names the SKU and, inside, its variant. */
  async setVariantStock(productId: number, variantId: number, sku: string, level: number): Promise<void> {
    const product = this.products.get(productId) ?? {
      sku: "",
      tracking: "variant" as const,
      level: 0,
      modifiedAt: new Date().toISOString(),
      variants: [],
    };
    product.variants = [...product.variants.filter((v) => v.id !== variantId), { id: variantId, sku, level }];
    this.products.set(productId, product);
    await this.fire("store/sku/inventory/updated", {
      type: "sku",
      id: variantId + 100_000, // a SKU id of its own
      inventory: { product_id: productId, method: "absolute", value: level, variant_id: variantId },
    });
  }

  async createOrder(spec: BcOrderSpec): Promise<void> {
    this.orders.set(spec.id, {
      spec,
      statusId: spec.statusId ?? 11,
      modifiedAt: spec.createdAt,
      refunds: [],
    });
    await this.fire("store/order/created", { type: "order", id: spec.id });
  }

  async setStatus(id: number, statusId: number, modifiedAt: string): Promise<void> {
    const stored = this.orders.get(id)!;
    stored.statusId = statusId;
    stored.modifiedAt = modifiedAt;
    await this.fire("store/order/statusUpdated", {
      type: "order",
      id,
      status: { previous_status_id: 11, new_status_id: statusId },
    });
  }

  async refund(
    id: number,
    amountMinor: number,
    createdAt: string,
    items: { lineId: number; quantity: number }[] = [],
  ) {
    const stored = this.orders.get(id)!;
    const refundId = this.nextRefundId++;
    stored.refunds.push({ id: refundId, createdAt, amountMinor, items });
    stored.modifiedAt = createdAt;
    await this.fire("store/order/refund/created", { type: "order", id, refund: { refund_id: refundId } });
    return refundId;
  }

  /** One event to every active hook on its scope; a failed attempt is retried, then counted against the hook. */
  async fire(scope: string, data: Record<string, unknown>): Promise<void> {
    const createdAt = Math.floor(Date.now() / 1000);
    const hash = createHash("sha1").update(JSON.stringify({ scope, data, createdAt })).digest("hex");
    const body = JSON.stringify({
      created_at: createdAt,
      store_id: "1001234",
      producer: `stores/${this.storeHash}`,
      scope,
      hash,
      data,
    });
    this.sent.push(body);
    for (const hook of this.hooks.filter((h) => h.scope === scope && h.is_active)) {
      let ok = false;
      for (let attempt = 0; attempt < this.attemptsPerEvent && !ok; attempt++) {
        ok = (await this.post(hook, body)) === 200;
      }
      hook.failedEventsInARow = ok ? 0 : hook.failedEventsInARow + 1;
      if (hook.failedEventsInARow >= this.deactivateAfter) hook.is_active = false;
    }
  }

  /** Redelivers an event exactly (same hash), as BigCommerce's retries do. */
  async post(hook: Hook, body: string): Promise<number> {
    let status: number;
    try {
      const response = await fetch(hook.destination, {
        method: "POST",
        headers: { "content-type": "application/json", ...hook.headers },
        body,
      });
      status = response.status;
      await response.body?.cancel();
    } catch {
      status = 0;
    }
    this.deliveries.push({ hookId: hook.id, scope: (JSON.parse(body) as { scope: string }).scope, status });
    return status;
  }

  /** The V2 order filters: dates in RFC 2822 or ISO 8601, both bounds included. */
  private filteredOrders(params: URLSearchParams): StoredOrder[] {
    const bound = (name: string, fallback: number) => {
      const value = params.get(name);
      return value ? Date.parse(value) : fallback;
    };
    const created = [bound("min_date_created", -Infinity), bound("max_date_created", Infinity)];
    const modified = [bound("min_date_modified", -Infinity), bound("max_date_modified", Infinity)];
    return [...this.orders.values()].filter((o) => {
      const c = Date.parse(o.spec.createdAt);
      const m = Date.parse(o.modifiedAt);
      return c >= created[0]! && c <= created[1]! && m >= modified[0]! && m <= modified[1]!;
    });
  }

  private rateHeaders(): Record<string, string> {
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.left = this.quota;
    }
    return {
      "x-rate-limit-requests-quota": String(this.quota),
      "x-rate-limit-requests-left": String(Math.max(0, this.left)),
      "x-rate-limit-time-window-ms": String(this.windowMs),
      "x-rate-limit-time-reset-ms": String(Math.max(0, this.windowMs - (now - this.windowStart))),
    };
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.apiUrl);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    await this.handle(req, res, url, url.pathname.replace(`/stores/${this.storeHash}`, ""), chunks);
  }

  /** One API request for this store; `path` is what follows `/stores/{hash}`. */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    path: string,
    chunks: Buffer[],
  ): Promise<void> {
    const reply = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method: req.method ?? "GET", path: `${path}${url.search}`, status });
      res.writeHead(status, {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };

    const grant = this.tokens.get(String(req.headers["x-auth-token"] ?? ""));
    if (!grant) {
      return reply(401, [{ status: 401, message: "You are not authorized to access this resource." }]);
    }
    const needed = scopeFor(path);
    if (
      needed &&
      grant.scopes !== "all" &&
      !grant.scopes.includes(needed) &&
      !(req.method === "GET" && grant.scopes.includes(`${needed}_read_only`))
    ) {
      return reply(403, {
        status: 403,
        title: "You don't have a required scope to access the endpoint",
      });
    }
    if (this.forced429 > 0) {
      this.forced429--;
      const headers = {
        ...this.rateHeaders(),
        "x-rate-limit-requests-left": "0",
        "x-rate-limit-time-reset-ms": String(this.forcedResetMs),
      };
      return reply(429, { status: 429, title: "Too many requests" }, headers);
    }
    const headers = this.rateHeaders();
    if (this.left <= 0) return reply(429, { status: 429, title: "Too many requests" }, headers);
    this.left--;
    headers["x-rate-limit-requests-left"] = String(this.left);

    let match: RegExpExecArray | null;
    if (req.method === "GET" && path === "/v2/orders") {
      const limit = Math.min(250, Number(url.searchParams.get("limit") ?? "50"));
      const page = Number(url.searchParams.get("page") ?? "1");
      const [field, direction] = (url.searchParams.get("sort") ?? "id:asc").split(":");
      const key = (o: StoredOrder) =>
        field === "date_modified"
          ? Date.parse(o.modifiedAt)
          : field === "date_created"
            ? Date.parse(o.spec.createdAt)
            : o.spec.id;
      const list = this.filteredOrders(url.searchParams)
        .sort((a, b) => (direction === "desc" ? key(b) - key(a) : key(a) - key(b)))
        .slice((page - 1) * limit, page * limit)
        .map((o) => this.orderJson(o));
      return list.length ? reply(200, list, headers) : reply(204, undefined, headers);
    }
    if (req.method === "GET" && path === "/v2/orders/count") {
      const list = this.filteredOrders(url.searchParams);
      const statuses = [...new Set(list.map((o) => o.statusId))].map((id) => ({
        id,
        name: id === 11 ? "Awaiting Fulfillment" : `Status ${id}`,
        count: list.filter((o) => o.statusId === id).length,
      }));
      return reply(200, { statuses, count: list.length }, headers);
    }
    if (req.method === "GET" && (match = /^\/v2\/orders\/(\d+)$/.exec(path))) {
      const stored = this.orders.get(Number(match[1]));
      if (!stored)
        return reply(404, [{ status: 404, message: "The requested resource was not found." }], headers);
      return reply(200, this.orderJson(stored), headers);
    }
    if (req.method === "GET" && (match = /^\/v2\/orders\/(\d+)\/products$/.exec(path))) {
      const stored = this.orders.get(Number(match[1]));
      if (!stored)
        return reply(404, [{ status: 404, message: "The requested resource was not found." }], headers);
      const limit = Number(url.searchParams.get("limit") ?? "50");
      const page = Number(url.searchParams.get("page") ?? "1");
      const list = this.productsJson(stored).slice((page - 1) * limit, page * limit);
      return list.length ? reply(200, list, headers) : reply(204, undefined, headers);
    }
    if (req.method === "GET" && (match = /^\/v3\/orders\/(\d+)\/payment_actions\/refunds$/.exec(path))) {
      const stored = this.orders.get(Number(match[1]));
      const currency = stored?.spec.currency ?? "USD";
      const data = (stored?.refunds ?? []).map((r) => ({
        id: r.id,
        order_id: stored!.spec.id,
        user_id: 0,
        created: r.createdAt.replace(/\.\d{3}Z$/, "+00:00"),
        reason: `Asked by ${BC_PII.firstName}`,
        total_amount: r.amountMinor / 10 ** decimals(currency),
        total_tax: 0,
        uses_merchant_override_values: false,
        payments: [
          {
            id: r.id + 1,
            provider_id: "storecredit",
            amount: r.amountMinor / 10 ** decimals(currency),
            offline: true,
            is_declined: false,
            declined_message: "",
          },
        ],
        items: r.items.map((i) => ({
          item_type: "PRODUCT",
          item_id: i.lineId,
          quantity: i.quantity,
          requested_amount: null,
        })),
      }));
      return reply(200, { data, meta: {} }, headers);
    }
    if (req.method === "GET" && path === "/v3/catalog/products") {
      const limit = Math.min(250, Number(url.searchParams.get("limit") ?? "50"));
      const page = Number(url.searchParams.get("page") ?? "1");
      const all = [...this.products.entries()];
      const withVariants = (url.searchParams.get("include") ?? "").split(",").includes("variants");
      const data = all.slice((page - 1) * limit, page * limit).map(([id, p]) => ({
        id,
        name: "Canvas Tote",
        sku: p.sku,
        inventory_level: p.level,
        inventory_tracking: p.tracking,
        ...(withVariants
          ? {
              variants: p.variants.map((v) => ({
                id: v.id,
                product_id: id,
                sku: v.sku,
                inventory_level: v.level,
              })),
            }
          : {}),
      }));
      const pagination = {
        total: all.length,
        count: data.length,
        per_page: limit,
        current_page: page,
        total_pages: Math.max(1, Math.ceil(all.length / limit)),
      };
      return reply(200, { data, meta: { pagination } }, headers);
    }
    if (req.method === "GET" && (match = /^\/v3\/catalog\/products\/(\d+)$/.exec(path))) {
      const product = this.products.get(Number(match[1]));
      if (!product)
        return reply(404, { status: 404, title: "The requested product was not found." }, headers);
      return reply(
        200,
        {
          data: {
            id: Number(match[1]),
            name: "Canvas Tote",
            sku: product.sku,
            inventory_level: product.level,
            inventory_tracking: product.tracking,
            date_modified: product.modifiedAt.replace(/\.\d{3}Z$/, "+00:00"),
          },
          meta: {},
        },
        headers,
      );
    }
    if (req.method === "GET" && path === "/v3/catalog/variants") {
      const ids = (url.searchParams.get("id:in") ?? "").split(",").filter(Boolean).map(Number);
      const data = [...this.products.entries()].flatMap(([productId, p]) =>
        p.variants
          .filter((v) => ids.includes(v.id))
          .map((v) => ({ id: v.id, product_id: productId, sku: v.sku, inventory_level: v.level })),
      );
      return reply(200, { data, meta: { pagination: { total: data.length } } }, headers);
    }
    if (req.method === "GET" && path === "/v2/store") {
      return reply(
        200,
        {
          id: this.storeHash,
          domain: "tote.example",
          name: "Tote Test Store",
          first_name: BC_PII.firstName,
          last_name: BC_PII.lastName,
          admin_email: BC_PII.email,
          order_email: BC_PII.email,
          address: BC_PII.address,
          phone: BC_PII.phone,
          currency: "USD",
          currency_symbol: "$",
          timezone: {
            name: "America/Chicago",
            raw_offset: -21600,
            dst_offset: -18000,
            dst_correction: true,
            date_format: { display: "jS M Y" },
          },
        },
        headers,
      );
    }
    if (req.method === "GET" && path === "/v3/hooks") {
      return reply(
        200,
        {
          data: this.hooks
            .filter((h) => h.account === grant.account)
            .map((h) => ({
              id: h.id,
              scope: h.scope,
              destination: h.destination,
              is_active: h.is_active,
              headers: h.headers,
            })),
          meta: {},
        },
        headers,
      );
    }
    if (req.method === "POST" && path === "/v3/hooks") {
      const input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as {
        scope?: string;
        destination?: string;
        is_active?: boolean;
        headers?: Record<string, string>;
      };
      if (!input.scope || !input.destination?.startsWith("http")) {
        return reply(422, { status: 422, title: "scope and destination are required" }, headers);
      }
      const hook = this.addHook(input.scope, input.destination, input.headers ?? {}, grant.account);
      hook.is_active = input.is_active ?? true;
      return reply(
        200,
        {
          data: {
            id: hook.id,
            scope: hook.scope,
            destination: hook.destination,
            is_active: hook.is_active,
            headers: hook.headers,
          },
          meta: {},
        },
        headers,
      );
    }
    if (req.method === "PUT" && (match = /^\/v3\/hooks\/(\d+)$/.exec(path))) {
      const hook = this.hooks.find((h) => h.id === Number(match![1]) && h.account === grant.account);
      if (!hook) return reply(404, { status: 404, title: "Webhook not found" }, headers);
      const change = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as {
        is_active?: boolean;
        headers?: Record<string, string>;
      };
      if (change.headers) hook.headers = change.headers;
      if (change.is_active !== undefined) {
        hook.is_active = change.is_active;
        hook.failedEventsInARow = 0;
      }
      return reply(
        200,
        { data: { id: hook.id, scope: hook.scope, is_active: hook.is_active }, meta: {} },
        headers,
      );
    }
    return reply(404, { status: 404, title: "Not found" }, headers);
  }
}
