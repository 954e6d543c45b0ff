import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { phpJson } from "../../../platforms/woocommerce/php-json.ts";
import { wcAuth, type WcAuthAttempt } from "./wc-auth.ts";

/**
 * A WooCommerce store as our tests see it, built from WooCommerce's documentation (REST API v3,
 * webhooks) and its webhook delivery code's documented behaviour:
 * - a webhook delivery is a POST of the resource as PHP-encoded JSON with `X-WC-Webhook-Source` (the
 *   site URL, trailing slash), `-Topic`, `-Resource`, `-Event`, `-ID`, `-Delivery-ID` and
 *   `-Signature` = base64 HMAC-SHA256 of the exact body with the hook's secret;
 * - saving an active hook first POSTs an unsigned form-encoded ping `webhook_id=<id>` and refuses to
 *   save unless the answer is 2xx;
 * - a delivery is never retried; a non-2xx answer (301/302 count as success) adds to the hook's
 *   failure count, a success resets it, and a failure when the count is already above 5
 *   (`woocommerce_max_webhook_delivery_failures`) sets the hook to `disabled`, after which it fires no more;
 * - `GET /wp-json/wc/v3/orders` filters by `modified_after` (GMT with `dates_are_gmt=true`), pages
 *   with `per_page`/`page` and says `X-WP-Total` / `X-WP-TotalPages`; the API wants the REST key
 *   (HTTP Basic) and answers 401 `woocommerce_rest_cannot_view` without it;
 * - `date_*_gmt` are UTC without an offset; money is a decimal string with the store's decimals;
 *   refunds appear in the order as `{id, reason, total}` with a negative total;
 * - `after` / `before` filter on the creation date (exclusive), `status` on one status or a list, `orderby` (`date` by default, `id`,
 *   `modified`) and `order` (`desc` by default) sort, before paging;
 * - a REST key has `read`, `write` or `read_write` permission: GET/HEAD need read, POST/PUT/PATCH/
 *   DELETE need write, else 401 `woocommerce_rest_authentication_error`;
 * - the application authentication endpoint (`/wc-auth/v1/authorize`, WooCommerce's WC_Auth) is in
 *   ./wc-auth.ts.
 * Orders carry names, emails, addresses and IPs so tests can prove none of it is kept.
 */

export const WOO_PII = {
  firstName: "Wooprivatefirst",
  lastName: "Wooprivatelast",
  email: "woo.private.buyer@example.org",
  phone: "+44 20 7946 0958",
  address: "221B Wooprivate Street",
  ip: "198.51.100.23",
};

export interface WooLineSpec {
  id: number;
  productId: number;
  variationId?: number;
  sku?: string;
  quantity: number;
  /** Unit price in minor units of the order's currency, before discounts. */
  unitMinor: number;
  discountMinor?: number;
}

export interface WooOrderSpec {
  id: number;
  currency?: string;
  status?: string;
  createdAt: string;
  lines: WooLineSpec[];
  shippingMinor?: number;
  taxMinor?: number;
  customerId?: number;
}

interface StoredOrder {
  spec: WooOrderSpec;
  status: string;
  modifiedAt: string;
  refunds: { id: number; reason: string; totalMinor: number }[];
}

interface Hook {
  id: number;
  topic: string;
  deliveryUrl: string;
  secret: string;
  status: "active" | "paused" | "disabled";
  failureCount: number;
  /** How many times WooCommerce disabled it, for tests (the status alone may already be active again). */
  timesDisabled: number;
}

export type KeyPermissions = "read" | "write" | "read_write";

export interface FakeProduct {
  sku: string;
  type: "simple" | "variable";
  manageStock: boolean;
  stock: number | null;
  variations: { id: number; sku: string; manageStock: boolean | "parent"; stock: number | null }[];
}

/** A row of `wp_woocommerce_api_keys`: made in Settings → Advanced → REST API, or by `/wc-auth/v1`. */
export interface ApiKey {
  keyId: number;
  consumerKey: string;
  consumerSecret: string;
  permissions: KeyPermissions;
  description: string;
}

const DECIMALS: Record<string, number> = { JPY: 0, KWD: 3, BHD: 3 };

/** Money as WooCommerce prints it: the store's number of decimals (set per currency by the merchant). */
export function wooMoney(minor: number, currency: string): string {
  const decimals = DECIMALS[currency] ?? 2;
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  if (decimals === 0) return `${sign}${abs}`;
  const unit = 10 ** decimals;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(decimals, "0")}`;
}

/** `2026-11-25T14:30:00Z` → `2026-11-25T14:30:00`, as WooCommerce writes `date_*_gmt`. */
const gmt = (iso: string) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, "");

export function wooOrderTotals(spec: WooOrderSpec) {
  const lineTotals = spec.lines.map((l) => l.unitMinor * l.quantity - (l.discountMinor ?? 0));
  const subtotal = lineTotals.reduce((a, b) => a + b, 0);
  const discount = spec.lines.reduce((a, l) => a + (l.discountMinor ?? 0), 0);
  const total = subtotal + (spec.shippingMinor ?? 0) + (spec.taxMinor ?? 0);
  return { lineTotals, subtotal, discount, total };
}

export class FakeWooCommerce {
  readonly siteUrl: string;
  readonly consumerKey = `ck_${randomBytes(20).toString("hex")}`;
  readonly consumerSecret = `cs_${randomBytes(20).toString("hex")}`;
  readonly orders = new Map<number, StoredOrder>();
  readonly hooks: Hook[] = [];
  /** Every delivery attempt and its answer, for tests to read. */
  readonly deliveries: { hookId: number; topic: string; status: number }[] = [];
  /** Settings → General: the store currency, and WordPress's time zone (an IANA name, or "" and an offset). */
  currency = "USD";
  timezoneString = "Europe/London";
  /** The hand-made key (`consumerKey`) has "Read" permission: WooCommerce refuses it every write. */
  readOnlyKey = false;
  gmtOffset: number | string = 0;
  /** WordPress's `home` option, what `/wp-json` and `X-WC-Webhook-Source` name; the fake's own address unless moved. */
  homeUrl: string;
  /** Settings → General → Site title. */
  siteName = "Woo Test Shop";
  /** REST keys: the one made by hand (`consumerKey`) and those the authentication endpoint creates. */
  readonly keys: ApiKey[];
  /** What the authentication endpoint did, for tests to read. */
  readonly authAttempts: WcAuthAttempt[] = [];
  /** Every REST call (method, path, query), for tests that count pages. */
  readonly requests: { method: string; path: string; query: URLSearchParams }[] = [];
  /** Added to every `GET /orders`, so a test can stop a long history half-way. */
  ordersDelayMs = 0;
  /**
   * The catalogue as `GET /products` lists it: simple products keep their own stock when
   * `manage_stock`; a variable product's variations keep theirs, or say `"parent"` and share it.
   */
  readonly products = new Map<number, FakeProduct>();
  private readonly server: Server;
  private nextHookId = 1;
  private nextRefundId = 9000;
  private nextKeyId = 2;
  private readonly auth = wcAuth(this);

  private constructor(server: Server, siteUrl: string) {
    this.server = server;
    this.siteUrl = siteUrl;
    this.homeUrl = siteUrl;
    this.keys = [
      {
        keyId: 1,
        consumerKey: this.consumerKey,
        consumerSecret: this.consumerSecret,
        permissions: "read_write",
        description: "Made by hand",
      },
    ];
  }

  /** Inserts a REST key as WC_Auth::create_keys does (`ck_`/`cs_` + 40 hex characters). */
  createKey(permissions: KeyPermissions, description: string): ApiKey {
    const key: ApiKey = {
      keyId: this.nextKeyId++,
      consumerKey: `ck_${randomBytes(20).toString("hex")}`,
      consumerSecret: `cs_${randomBytes(20).toString("hex")}`,
      permissions,
      description,
    };
    this.keys.push(key);
    return key;
  }

  deleteKey(keyId: number): void {
    const at = this.keys.findIndex((k) => k.keyId === keyId);
    if (at >= 0) this.keys.splice(at, 1);
  }

  /** Orders that were there before anyone connected: stored, no webhook fires. */
  addHistory(specs: WooOrderSpec[]): void {
    for (const spec of specs)
      this.orders.set(spec.id, {
        spec,
        status: spec.status ?? "processing",
        modifiedAt: spec.createdAt,
        refunds: [],
      });
  }

  static async start(): Promise<FakeWooCommerce> {
    const holder: { store?: FakeWooCommerce } = {};
    const server = createServer((req, res) =>
      holder.store!.serve(req, res).catch((err: unknown) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ code: "internal_server_error", message: String(err) }));
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    holder.store = new FakeWooCommerce(server, `http://127.0.0.1:${port}`);
    return holder.store;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Saves a webhook as WooCommerce → Settings → Advanced → Webhooks does: ping first, keep it only on 2xx. */
  async addWebhook(
    topic: string,
    deliveryUrl: string,
    secret: string,
  ): Promise<{ saved: boolean; pingStatus: number }> {
    const id = this.nextHookId++;
    let status: number;
    try {
      const response = await fetch(deliveryUrl, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "user-agent": "WooCommerce/9.4 Hookshot",
        },
        body: `webhook_id=${id}`,
      });
      status = response.status;
      await response.body?.cancel();
    } catch {
      status = 0; // nothing listening: the save fails like any non-2xx answer
    }
    const saved = status >= 200 && status < 300;
    if (saved)
      this.hooks.push({
        id,
        topic,
        deliveryUrl,
        secret,
        status: "active",
        failureCount: 0,
        timesDisabled: 0,
      });
    return { saved, pingStatus: status };
  }

  hook(topic: string): Hook | undefined {
    return this.hooks.find((h) => h.topic === topic);
  }

  payload(id: number): Record<string, unknown> {
    const stored = this.orders.get(id);
    if (!stored) throw new Error(`no order ${id}`);
    const { spec } = stored;
    const currency = spec.currency ?? "USD";
    const { lineTotals, discount, total } = wooOrderTotals(spec);
    const address = {
      first_name: WOO_PII.firstName,
      last_name: WOO_PII.lastName,
      company: "",
      address_1: WOO_PII.address,
      address_2: "",
      city: "London",
      state: "",
      postcode: "NW1 6XE",
      country: "GB",
      email: WOO_PII.email,
      phone: WOO_PII.phone,
    };
    return {
      id: spec.id,
      parent_id: 0,
      status: stored.status,
      currency,
      version: "9.4.2",
      prices_include_tax: false,
      date_created: gmt(spec.createdAt), // the site's zone is UTC in this fake
      date_modified: gmt(stored.modifiedAt),
      discount_total: wooMoney(discount, currency),
      discount_tax: wooMoney(0, currency),
      shipping_total: wooMoney(spec.shippingMinor ?? 0, currency),
      shipping_tax: wooMoney(0, currency),
      cart_tax: wooMoney(spec.taxMinor ?? 0, currency),
      total: wooMoney(total, currency),
      total_tax: wooMoney(spec.taxMinor ?? 0, currency),
      customer_id: spec.customerId ?? 0,
      order_key: `wc_order_${spec.id}abc`,
      billing: address,
      shipping: { ...address, email: undefined },
      payment_method: "stripe",
      payment_method_title: "Credit card",
      transaction_id: `ch_${spec.id}`,
      customer_ip_address: WOO_PII.ip,
      customer_user_agent: "Mozilla/5.0 (X11; Linux x86_64)",
      created_via: "checkout",
      customer_note: `Leave it with ${WOO_PII.firstName} next door`,
      date_completed: null,
      date_paid: gmt(spec.createdAt),
      cart_hash: "",
      number: String(spec.id),
      meta_data: [],
      line_items: spec.lines.map((line, i) => ({
        id: line.id,
        name: "Hoodie – Blue/Large",
        product_id: line.productId,
        variation_id: line.variationId ?? 0,
        quantity: line.quantity,
        tax_class: "",
        subtotal: wooMoney(line.unitMinor * line.quantity, currency),
        subtotal_tax: wooMoney(0, currency),
        total: wooMoney(lineTotals[i]!, currency),
        total_tax: wooMoney(0, currency),
        taxes: [],
        meta_data: [],
        sku: line.sku ?? "",
        // A float, as WooCommerce sends it.
        price: line.unitMinor / 10 ** (DECIMALS[currency] ?? 2),
        image: { id: 0, src: "https://woo.example/wp-content/uploads/hoodie.jpg" },
      })),
      tax_lines: [],
      shipping_lines: [],
      fee_lines: [],
      coupon_lines: [],
      refunds: stored.refunds.map((r) => ({
        id: r.id,
        reason: r.reason,
        total: wooMoney(-r.totalMinor, currency),
      })),
      date_created_gmt: gmt(spec.createdAt),
      date_modified_gmt: gmt(stored.modifiedAt),
      date_completed_gmt: null,
      date_paid_gmt: gmt(spec.createdAt),
      currency_symbol: "$",
      _links: { self: [{ href: `${this.siteUrl}/wp-json/wc/v3/orders/${spec.id}` }] },
    };
  }

  async createOrder(spec: WooOrderSpec): Promise<void> {
    this.orders.set(spec.id, {
      spec,
      status: spec.status ?? "processing",
      modifiedAt: spec.createdAt,
      refunds: [],
    });
    await this.fire("order.created", this.payload(spec.id));
  }

  async updateOrder(id: number, change: { status?: string; modifiedAt: string }): Promise<void> {
    const stored = this.orders.get(id)!;
    if (change.status) stored.status = change.status;
    stored.modifiedAt = change.modifiedAt;
    await this.fire("order.updated", this.payload(id));
  }

  /** A refund as the admin screen makes one: the order is modified and `order.updated` fires. */
  async refund(id: number, totalMinor: number, modifiedAt: string): Promise<number> {
    const stored = this.orders.get(id)!;
    const refundId = this.nextRefundId++;
    stored.refunds.unshift({ id: refundId, reason: `Requested by ${WOO_PII.firstName}`, totalMinor });
    stored.modifiedAt = modifiedAt;
    await this.fire("order.updated", this.payload(id));
    return refundId;
  }

  /** Delivers one payload to every active hook on the topic, once, the way WooCommerce does. */
  async fire(topic: string, payload: unknown): Promise<void> {
    const body = phpJson(payload);
    for (const hook of this.hooks.filter((h) => h.topic === topic && h.status === "active")) {
      const signature = createHmac("sha256", hook.secret).update(body, "utf8").digest("base64");
      const [resource, event] = topic.split(".");
      let status: number;
      try {
        const response = await fetch(hook.deliveryUrl, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7)",
            "x-wc-webhook-source": `${this.siteUrl}/`,
            "x-wc-webhook-topic": topic,
            "x-wc-webhook-resource": resource!,
            "x-wc-webhook-event": event!,
            "x-wc-webhook-signature": signature,
            "x-wc-webhook-id": String(hook.id),
            "x-wc-webhook-delivery-id": randomBytes(16).toString("hex"),
          },
          body,
          redirect: "manual",
        });
        status = response.status;
        await response.body?.cancel();
      } catch {
        status = 0; // connection refused: a failed delivery like any other
      }
      this.deliveries.push({ hookId: hook.id, topic, status });
      if ((status >= 200 && status < 300) || status === 301 || status === 302) hook.failureCount = 0;
      else if (hook.failureCount > 5) {
        hook.status = "disabled";
        hook.timesDisabled++;
      } else hook.failureCount++;
    }
  }

  /** The key named by HTTP Basic, when its secret matches. */
  private authorised(req: IncomingMessage): ApiKey | null {
    const [scheme, encoded] = (req.headers.authorization ?? "").split(" ");
    if (scheme !== "Basic" || !encoded) return null;
    const decoded = Buffer.from(encoded, "base64").toString("utf8");
    const at = decoded.indexOf(":");
    const key = this.keys.find((k) => k.consumerKey === decoded.slice(0, at));
    return key && key.consumerSecret === decoded.slice(at + 1) ? key : null;
  }

  /** WC_REST_Authentication::check_permissions: reads need read, writes need write. */
  private permitted(key: ApiKey, method: string): "read" | "write" | null {
    // The hand-made key turned read-only by a test (`readOnlyKey`).
    const permissions = key.keyId === 1 && this.readOnlyKey ? "read" : key.permissions;
    if (method === "GET" || method === "HEAD")
      return permissions === "read" || permissions === "read_write" ? null : "read";
    return permissions === "write" || permissions === "read_write" ? null : "write";
  }

  send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers });
    res.end(phpJson(body));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.siteUrl);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (url.pathname.startsWith("/wc-auth/v1/")) return this.auth.serve(url, res);
    if (url.pathname === "/wp-json/" || url.pathname === "/wp-json") {
      // WordPress's REST index is public: the site's name, its `home` (what webhooks name as their
      // source), its zone (or only its offset) and the REST namespaces its plugins register.
      return this.send(res, 200, {
        name: this.siteName,
        description: "Just another WordPress site",
        url: this.homeUrl,
        home: this.homeUrl,
        gmt_offset: this.gmtOffset,
        timezone_string: this.timezoneString,
        namespaces: ["oembed/1.0", "wc/store/v1", "wc/v3", "wc-analytics", "wp/v2"],
        authentication: [],
        routes: {},
      });
    }
    if (!url.pathname.startsWith("/wp-json/wc/v3/")) return this.send(res, 404, { code: "rest_no_route" });
    const key = this.authorised(req);
    if (!key) {
      return this.send(res, 401, {
        code: "woocommerce_rest_cannot_view",
        message: "Sorry, you cannot list resources.",
        data: { status: 401 },
      });
    }
    const path = url.pathname.slice("/wp-json/wc/v3".length);
    this.requests.push({ method: req.method ?? "GET", path, query: url.searchParams });
    const missing = this.permitted(key, req.method ?? "GET");
    if (missing) {
      return this.send(res, 401, {
        code: "woocommerce_rest_authentication_error",
        message: `The API key provided does not have ${missing} permissions.`,
        data: { status: 401 },
      });
    }
    if (req.method === "GET" && path === "/orders") {
      if (this.ordersDelayMs) await new Promise((r) => setTimeout(r, this.ordersDelayMs));
      const gmtDates = url.searchParams.get("dates_are_gmt") === "true";
      // The fake's site zone is UTC, so local and GMT filters agree; a real site would differ without the flag.
      const ms = (name: string) => {
        const value = url.searchParams.get(name);
        if (!value) return null;
        return Date.parse(gmtDates || /Z$/.test(value) ? `${value.replace(/Z$/, "")}Z` : `${value}Z`);
      };
      const [modifiedAfter, after, before] = [ms("modified_after"), ms("after"), ms("before")];
      const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? "10"));
      const page = Number(url.searchParams.get("page") ?? "1");
      const orderby = url.searchParams.get("orderby") ?? "date";
      const statuses =
        url.searchParams
          .get("status")
          ?.split(",")
          .map((s) => s.trim()) ?? null;
      const direction = url.searchParams.get("order") === "asc" ? 1 : -1;
      const sortKey = (o: StoredOrder) =>
        orderby === "id" ? o.spec.id : Date.parse(orderby === "modified" ? o.modifiedAt : o.spec.createdAt);
      const matching = [...this.orders.values()]
        .filter((o) => modifiedAfter === null || Date.parse(o.modifiedAt) > modifiedAfter)
        .filter((o) => after === null || Date.parse(o.spec.createdAt) > after)
        .filter((o) => before === null || Date.parse(o.spec.createdAt) < before)
        // `status` takes one status or a comma-separated list (WordPress reads list arguments so); `any` is all.
        .filter((o) => statuses === null || statuses.includes("any") || statuses.includes(o.status))
        .sort((a, b) => direction * (sortKey(a) - sortKey(b)) || direction * (a.spec.id - b.spec.id));
      const slice = matching.slice((page - 1) * perPage, page * perPage).map((o) => this.payload(o.spec.id));
      return this.send(res, 200, slice, {
        "x-wp-total": String(matching.length),
        "x-wp-totalpages": String(Math.max(1, Math.ceil(matching.length / perPage))),
      });
    }
    const pageOf = <T>(items: T[]) => {
      const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? "10"));
      const page = Number(url.searchParams.get("page") ?? "1");
      return {
        slice: items.slice((page - 1) * perPage, page * perPage),
        headers: {
          "x-wp-total": String(items.length),
          "x-wp-totalpages": String(Math.max(1, Math.ceil(items.length / perPage))),
        },
      };
    };
    if (req.method === "GET" && path === "/products") {
      const { slice, headers } = pageOf([...this.products.entries()].sort(([a], [b]) => a - b));
      const list = slice.map(([id, p]) => ({
        id,
        name: "Canvas Tote",
        type: p.type,
        sku: p.sku,
        manage_stock: p.manageStock,
        stock_quantity: p.manageStock ? p.stock : null,
        variations: p.variations.map((v) => v.id),
        date_modified_gmt: "2026-01-05T09:00:00",
      }));
      return this.send(res, 200, list, headers);
    }
    let variationsOf: RegExpExecArray | null;
    if (req.method === "GET" && (variationsOf = /^\/products\/(\d+)\/variations$/.exec(path))) {
      const product = this.products.get(Number(variationsOf[1]));
      if (!product)
        return this.send(res, 404, { code: "woocommerce_rest_product_invalid_id", message: "Invalid ID." });
      const { slice, headers } = pageOf(product.variations);
      const list = slice.map((v) => ({
        id: v.id,
        sku: v.sku,
        manage_stock: v.manageStock,
        stock_quantity: v.manageStock === true ? v.stock : product.manageStock ? product.stock : null,
        date_modified_gmt: "2026-01-05T09:00:00",
      }));
      return this.send(res, 200, list, headers);
    }
    if (req.method === "GET" && path === "/data/currencies/current") {
      return this.send(res, 200, { code: this.currency, name: "Store currency", symbol: "$" });
    }
    if (req.method === "GET" && path === "/webhooks") {
      const status = url.searchParams.get("status");
      const list = this.hooks.filter((h) => !status || status === "all" || h.status === status);
      return this.send(
        res,
        200,
        list.map((h) => ({ id: h.id, status: h.status, topic: h.topic, delivery_url: h.deliveryUrl })),
      );
    }
    if (req.method === "POST" && path === "/webhooks") {
      const input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as {
        topic?: string;
        delivery_url?: string;
        secret?: string;
        status?: Hook["status"];
      };
      if (!input.topic || !input.delivery_url) {
        return this.send(res, 400, {
          code: "rest_missing_callback_param",
          message: "Missing parameter(s): topic, delivery_url",
        });
      }
      // Saving an active hook pings the delivery URL first, as the admin screen does.
      const { saved, pingStatus } = await this.addWebhook(
        input.topic,
        input.delivery_url,
        input.secret ?? "",
      );
      if (!saved) {
        return this.send(res, 400, {
          code: "woocommerce_rest_webhook_ping_failed",
          message: `Error: Delivery URL returned response code: ${pingStatus}`,
        });
      }
      const hook = this.hooks.at(-1)!;
      return this.send(res, 201, {
        id: hook.id,
        topic: hook.topic,
        delivery_url: hook.deliveryUrl,
        status: hook.status,
      });
    }
    const hookMatch = /^\/webhooks\/(\d+)$/.exec(path);
    if (hookMatch && (req.method === "PUT" || req.method === "POST")) {
      const hook = this.hooks.find((h) => h.id === Number(hookMatch[1]));
      if (!hook) return this.send(res, 404, { code: "woocommerce_rest_webhook_invalid_id" });
      const change = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as {
        status?: Hook["status"];
      };
      if (change.status) hook.status = change.status;
      // Whether WooCommerce clears the failure count here is not documented; the fake keeps it (the stricter case).
      return this.send(res, 200, { id: hook.id, status: hook.status, topic: hook.topic });
    }
    return this.send(res, 404, {
      code: "rest_no_route",
      message: "No route was found matching the URL and request method.",
    });
  }
}
