import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { phpJson } from "./php-json.ts";

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
 *   refunds appear in the order as `{id, reason, total}` with a negative total.
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
  /** A REST key created with "Read" permission: WooCommerce refuses it every write. */
  readOnlyKey = false;
  gmtOffset: number | string = 0;
  private readonly server: Server;
  private nextHookId = 1;
  private nextRefundId = 9000;

  private constructor(server: Server, siteUrl: string) {
    this.server = server;
    this.siteUrl = siteUrl;
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

  private authorised(req: IncomingMessage): boolean {
    const expected = `Basic ${Buffer.from(`${this.consumerKey}:${this.consumerSecret}`).toString("base64")}`;
    return req.headers.authorization === expected;
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers });
    res.end(phpJson(body));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.siteUrl);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (url.pathname === "/wp-json/" || url.pathname === "/wp-json") {
      // WordPress's REST index is public and names the site's zone (or only its offset).
      return this.send(res, 200, {
        name: "Woo Test Shop",
        url: this.siteUrl,
        home: this.siteUrl,
        gmt_offset: this.gmtOffset,
        timezone_string: this.timezoneString,
        namespaces: ["wp/v2", "wc/v3"],
      });
    }
    if (!url.pathname.startsWith("/wp-json/wc/v3/")) return this.send(res, 404, { code: "rest_no_route" });
    if (!this.authorised(req)) {
      return this.send(res, 401, {
        code: "woocommerce_rest_cannot_view",
        message: "Sorry, you cannot list resources.",
        data: { status: 401 },
      });
    }
    const path = url.pathname.slice("/wp-json/wc/v3".length);
    if (req.method === "GET" && path === "/orders") {
      const after = url.searchParams.get("modified_after");
      const gmtDates = url.searchParams.get("dates_are_gmt") === "true";
      // The fake's site zone is UTC, so local and GMT filters agree; a real site would differ without the flag.
      const afterMs = after
        ? Date.parse(gmtDates || /Z$/.test(after) ? `${after.replace(/Z$/, "")}Z` : `${after}Z`)
        : 0;
      const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? "10"));
      const page = Number(url.searchParams.get("page") ?? "1");
      const matching = [...this.orders.values()]
        .filter((o) => Date.parse(o.modifiedAt) > afterMs)
        .sort((a, b) => Date.parse(a.modifiedAt) - Date.parse(b.modifiedAt));
      const slice = matching.slice((page - 1) * perPage, page * perPage).map((o) => this.payload(o.spec.id));
      return this.send(res, 200, slice, {
        "x-wp-total": String(matching.length),
        "x-wp-totalpages": String(Math.max(1, Math.ceil(matching.length / perPage))),
      });
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
    if (this.readOnlyKey && req.method !== "GET") {
      return this.send(res, 401, {
        code: "woocommerce_rest_cannot_edit",
        message: "Sorry, you are not allowed to edit this resource.",
        data: { status: 401 },
      });
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
