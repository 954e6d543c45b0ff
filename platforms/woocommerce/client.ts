import { guardedFetch } from "../../core/guarded-fetch.ts";
import { parseJsonExact } from "../../core/json.ts";
import type { Logger } from "../../core/log.ts";
import { KeysRefused } from "../adapter.ts";
import { z } from "zod";
import { toMinorUnits } from "../../core/money.ts";
import { WooOrder, WooProduct } from "./payload.ts";

/** What a gross needs of an order: its total and currency, nothing that names a person. */
const OrderTotal = z.object({ total: z.string(), currency: z.string().regex(/^[A-Za-z]{3}$/) });

/**
 * The WooCommerce REST API v3 calls the catch-up makes: orders modified since a time (paged by
 * `X-WP-TotalPages`) and webhooks WooCommerce disabled after failed deliveries. Authenticates with
 * the store's REST API key over HTTP Basic, which WooCommerce accepts over HTTPS. Every call goes through core/guarded-fetch.ts (https, public
 * addresses only, bounded answers): the site is whatever a merchant typed.
 */
/** Pages of modified orders one catch-up round reads from a store (100 orders a page). */
export const MAX_CATCHUP_PAGES = 500;

/** The filter of orders with one of `statuses` created in `[from, to)`: `after` is exclusive, so it starts a second early. */
function createdWithStatus(window: { from: Date; to: Date }, statuses: readonly string[]): URLSearchParams {
  return new URLSearchParams({
    after: gmt(new Date(window.from.getTime() - 1000)),
    before: gmt(window.to),
    dates_are_gmt: "true",
    status: statuses.join(","),
  });
}

export class WooClient {
  private readonly site: string;
  private readonly base: string;
  private readonly auth: string;
  private readonly log: Logger;

  constructor(siteUrl: string, consumerKey: string, consumerSecret: string, log: Logger) {
    this.site = siteUrl.replace(/\/+$/, "");
    this.base = `${this.site}/wp-json/wc/v3`;
    this.auth = `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString("base64")}`;
    this.log = log;
  }

  private async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ json: unknown; headers: Headers }> {
    // The site is the merchant's (named on the connect page): through the guard, like every such host.
    const response = await guardedFetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: this.auth,
        accept: "application/json",
        ...(body ? { "content-type": "application/json" } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) {
      // WooCommerce's error bodies name the problem (`woocommerce_rest_cannot_view`); they hold no customer data.
      const problem = `WooCommerce ${method} ${path} answered ${response.status}: ${text.slice(0, 200)}`;
      throw response.status === 401 ? new KeysRefused(problem) : new Error(problem);
    }
    return { json: text ? parseJsonExact(text) : null, headers: response.headers };
  }

  /** Orders modified at or after `since` (GMT), oldest first, one page at a time. */
  async *ordersModifiedSince(since: Date, perPage = 100): AsyncIterable<WooOrder[]> {
    const after = gmt(since);
    for (let page = 1, totalPages = 1; page <= totalPages; page++) {
      const query = new URLSearchParams({
        modified_after: after,
        dates_are_gmt: "true",
        orderby: "modified",
        order: "asc",
        per_page: String(perPage),
        page: String(page),
      });
      const { json, headers } = await this.request("GET", `/orders?${query}`);
      // The store's own count, not to be trusted without bounds: one store claiming a billion pages
      // would hold the catch-up forever. An empty page also ends it (only the last page can be short).
      totalPages = Math.min(MAX_CATCHUP_PAGES, Number(headers.get("x-wp-totalpages") ?? "1") || 1);
      if (!Array.isArray(json)) throw new Error("WooCommerce GET /orders did not answer a list");
      if (json.length === 0) return;
      if (page === MAX_CATCHUP_PAGES && Number(headers.get("x-wp-totalpages")) > MAX_CATCHUP_PAGES)
        this.log.warn(
          { platform: "woocommerce", pages: headers.get("x-wp-totalpages") },
          "catch-up page budget reached; the rest waits for the next round",
        );
      yield this.parseOrders(json);
    }
  }

  private parseOrders(items: unknown[]): WooOrder[] {
    const orders: WooOrder[] = [];
    for (const item of items) {
      const parsed = WooOrder.safeParse(item);
      if (parsed.success) orders.push(parsed.data);
      else
        this.log.warn(
          { platform: "woocommerce", problem: parsed.error.issues[0]?.message },
          "order skipped: not a WooCommerce order we understand",
        );
    }
    return orders;
  }

  /**
   * One page of the orders created in `[from, to)` (GMT), by id: a fixed past window pages stably,
   * and `X-WP-Total` / `X-WP-TotalPages` give the backfill its progress.
   */
  async ordersCreatedPage(
    window: { from: Date; to: Date },
    page: number,
    perPage = 100,
  ): Promise<{ orders: WooOrder[]; totalPages: number; total: number | null }> {
    const query = new URLSearchParams({
      after: gmt(window.from),
      before: gmt(window.to),
      dates_are_gmt: "true",
      orderby: "id",
      order: "asc",
      per_page: String(perPage),
      page: String(page),
    });
    const { json, headers } = await this.request("GET", `/orders?${query}`);
    if (!Array.isArray(json)) throw new Error("WooCommerce GET /orders did not answer a list");
    const total = Number(headers.get("x-wp-total") ?? "");
    return {
      orders: this.parseOrders(json),
      totalPages: Number(headers.get("x-wp-totalpages") ?? "1") || 1,
      total: Number.isFinite(total) && headers.has("x-wp-total") ? total : null,
    };
  }

  /**
   * How many orders with one of `statuses` WooCommerce holds created in `[from, to)`: one order per
   * page asked for, the count read from `X-WP-Total`. `after` is exclusive, so it starts a second early.
   */
  async countCreated(window: { from: Date; to: Date }, statuses: readonly string[]): Promise<number> {
    const query = createdWithStatus(window, statuses);
    query.set("per_page", "1");
    const { headers } = await this.request("GET", `/orders?${query}`);
    const total = Number(headers.get("x-wp-total") ?? "");
    if (!headers.has("x-wp-total") || !Number.isInteger(total))
      throw new Error("WooCommerce GET /orders gave no X-WP-Total");
    return total;
  }

  /**
   * WooCommerce's own gross of the orders with one of `statuses` created in `[from, to)`, in minor
   * units: its orders paged (100 a page, only `total` and `currency` asked for) and their totals
   * added, as the report endpoints sum by store-local date only. Bounded like the catch-up.
   */
  async grossCreated(window: { from: Date; to: Date }, statuses: readonly string[]): Promise<number> {
    let gross = 0;
    for (let page = 1, totalPages = 1; page <= totalPages && page <= MAX_CATCHUP_PAGES; page++) {
      const query = createdWithStatus(window, statuses);
      query.set("_fields", "total,currency");
      query.set("per_page", "100");
      query.set("page", String(page));
      const { json, headers } = await this.request("GET", `/orders?${query}`);
      if (!Array.isArray(json)) throw new Error("WooCommerce GET /orders did not answer a list");
      for (const order of json) {
        const { total, currency } = OrderTotal.parse(order);
        gross += toMinorUnits(total, currency.toUpperCase());
      }
      totalPages = Number(headers.get("x-wp-totalpages") ?? "1") || 1;
    }
    return gross;
  }

  /**
   * Every product with its own stock, and every variation of a variable product, one page of
   * products at a time (a variable product's variations come with its page).
   */
  async stockPage(page: number, perPage = 100): Promise<{ items: WooProduct[]; totalPages: number }> {
    const { json, headers } = await this.request("GET", `/products?per_page=${perPage}&page=${page}`);
    if (!Array.isArray(json)) throw new Error("WooCommerce GET /products did not answer a list");
    const items: WooProduct[] = [];
    for (const raw of json as { type?: string }[]) {
      const product = WooProduct.parse(raw);
      items.push(product);
      if (raw.type !== "variable") continue;
      for (let vPage = 1, vTotal = 1; vPage <= vTotal; vPage++) {
        const variations = await this.request(
          "GET",
          `/products/${product.id}/variations?per_page=${perPage}&page=${vPage}`,
        );
        vTotal = Number(variations.headers.get("x-wp-totalpages") ?? "1") || 1;
        if (!Array.isArray(variations.json))
          throw new Error(`WooCommerce GET /products/${product.id}/variations did not answer a list`);
        items.push(...(variations.json as unknown[]).map((v) => WooProduct.parse(v)));
      }
    }
    return { items, totalPages: Number(headers.get("x-wp-totalpages") ?? "1") || 1 };
  }

  /** The WordPress REST index: the site's own address (`home`, what webhooks name as their source) and zone. */
  async siteIndex(): Promise<{
    home: string | null;
    name: string | null;
    timezone_string?: string;
    gmt_offset?: number | string;
  }> {
    const response = await guardedFetch(`${this.site}/wp-json/`);
    if (!response.ok) throw new Error(`WordPress GET /wp-json answered ${response.status}`);
    const index = (await response.json()) as {
      home?: string;
      name?: string;
      timezone_string?: string;
      gmt_offset?: number | string;
    };
    return { ...index, home: index.home ?? null, name: index.name ?? null };
  }

  /**
   * The store's currency (`GET /wc/v3/data/currencies/current`) and zone: WordPress's REST index
   * (`/wp-json`) names it in `timezone_string`, or gives only `gmt_offset` (hours) for "UTC+5:30" settings.
   */
  async shopInfo(): Promise<{ currency: string; timeZone: string | null; utcOffsetMinutes: number | null }> {
    const index = await this.siteIndex();
    const { json } = await this.request("GET", "/data/currencies/current");
    const code = (json as { code?: string } | null)?.code;
    if (!code || !/^[A-Za-z]{3}$/.test(code)) throw new Error("WooCommerce did not name its currency");
    const offsetHours = Number(index.gmt_offset ?? Number.NaN);
    return {
      currency: code.toUpperCase(),
      timeZone: index.timezone_string || null,
      utcOffsetMinutes: Number.isFinite(offsetHours) ? Math.round(offsetHours * 60) : null,
    };
  }

  /**
   * Sets our webhooks that WooCommerce disabled (status `disabled`, after failed deliveries) back to
   * active. Only ours, known by their delivery URL: other integrations' hooks are theirs to fix.
   */
  async reactivateDisabledHooks(): Promise<number> {
    const { json } = await this.request("GET", "/webhooks?status=disabled&per_page=100");
    const hooks = (
      Array.isArray(json) ? (json as { id: number | string; delivery_url?: string }[]) : []
    ).filter((hook) => isOurs(hook.delivery_url));
    for (const hook of hooks) await this.request("PUT", `/webhooks/${hook.id}`, { status: "active" });
    return hooks.length;
  }

  /**
   * Creates our webhooks for the topics that lack one (`POST /wc/v3/webhooks` with the secret that
   * signs them). WooCommerce pings the delivery URL while saving, so ingest must already run there.
   */
  async ensureWebhooks(deliveryUrl: string, secret: string, topics: readonly string[]): Promise<string[]> {
    const { json } = await this.request("GET", "/webhooks?per_page=100");
    const existing = Array.isArray(json)
      ? (json as { topic: string; delivery_url: string; status: string }[])
      : [];
    const created: string[] = [];
    for (const topic of topics) {
      if (existing.some((hook) => hook.topic === topic && hook.delivery_url === deliveryUrl)) continue;
      await this.request("POST", "/webhooks", {
        name: `MetricsDash ${topic}`,
        topic,
        delivery_url: deliveryUrl,
        secret,
        status: "active",
      });
      created.push(topic);
    }
    return created;
  }
}

/** WooCommerce's `*_gmt` query form: ISO 8601 without zone or milliseconds. */
const gmt = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "");

/** The topics MetricsDash consumes. */
export const WOO_TOPICS = ["order.created", "order.updated", "order.restored", "product.updated"] as const;

function isOurs(deliveryUrl: string | undefined): boolean {
  return deliveryUrl !== undefined && /\/webhooks\/woocommerce\/?(\?|$)/.test(deliveryUrl);
}
