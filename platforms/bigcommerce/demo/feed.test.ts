import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CanonicalEvent, RefEvent } from "../../../core/events.ts";
import { createLogger } from "../../../core/log.ts";
import type { Delivery } from "../../adapter.ts";
import { bigcommerce, bigCommerceApi } from "../index.ts";
import { BcCallback, BcOrder, BcOrderProduct, BcRefund, BcStore } from "../payload.ts";
import { startBigCommerceApi, type BigCommerceApi } from "./api.ts";
import { bigCommerceFeed, bigCommerceHeaders, BigCommerceState } from "./feed.ts";
import type { Product } from "../../../demo/catalogue.ts";
import type { Webhook } from "../../../demo/feed.ts";
import { BC_DEMO } from "./index.ts";
import type { OrderSpec, Shopper } from "../../../demo/specs.ts";
import { DemoStore } from "../../../demo/store.ts";

const SECRET = "demo-bc-test-secret-0123456789";
const TOKEN = "demo-bc-test-token-0123456789";
const HASH = "demobc1";
const START = Date.parse("2026-11-02T05:00:00Z");
const DAY = 86_400_000;
const log = createLogger("test", "silent");
const adapter = bigcommerce.create(
  { BIGCOMMERCE_STORE_HASH: HASH, BIGCOMMERCE_WEBHOOK_SECRET: SECRET },
  { customerHashKey: "k".repeat(32) },
);
const site = { storeHash: HASH, storeId: BC_DEMO.storeId, domain: BC_DEMO.domain };

function delivery(body: string, headers: Record<string, string>): Delivery {
  return {
    header: (name) => headers[name],
    rawBody: Buffer.from(body, "utf8"),
    receivedAt: new Date().toISOString(),
  };
}

const state = new BigCommerceState();
const store = new DemoStore({
  seed: 23,
  ordersPerMinute: 0.4,
  start: START,
  shop: HASH,
  currency: "GBP",
  timeZone: "Europe/London",
  taxRate: BC_DEMO.taxRate,
  shippingMinor: BC_DEMO.shippingMinor,
  freeShippingFromMinor: BC_DEMO.freeShippingFromMinor,
  viralAt: [START + DAY],
  feed: bigCommerceFeed(site, state),
});
const webhooks = store.advance(START + 6 * DAY);
let api: BigCommerceApi;
let fetcher: ReturnType<typeof bigCommerceApi>;

beforeAll(async () => {
  api = await startBigCommerceApi(
    {
      state,
      storeHash: HASH,
      accessToken: TOKEN,
      destination: "http://127.0.0.1:1/webhooks/bigcommerce",
      webhookSecret: SECRET,
      quota: 100_000,
    },
    { port: 0 },
  );
  fetcher = bigCommerceApi(
    { BIGCOMMERCE_STORE_HASH: HASH, BIGCOMMERCE_ACCESS_TOKEN: TOKEN, BIGCOMMERCE_API_URL: api.url },
    { customerHashKey: "k".repeat(32), log },
  );
});
afterAll(() => api.close());

function refOf(webhook: Webhook): RefEvent {
  const result = adapter.handle(delivery(webhook.render(), bigCommerceHeaders(SECRET)));
  if (result.kind !== "publish") throw new Error(`${webhook.topic} not published`);
  return result.events[0] as RefEvent;
}

describe("demo BigCommerce shop", () => {
  it("posts thin callbacks with the hook's secret header, which ingest's check accepts", () => {
    expect(new Set(webhooks.map((w) => w.topic))).toEqual(
      new Set([
        "store/order/created",
        "store/order/statusUpdated",
        "store/order/refund/created",
        "store/product/inventory/updated",
      ]),
    );
    for (const w of webhooks) {
      const body = JSON.parse(w.render()) as Record<string, unknown>;
      const callback = BcCallback.parse(body);
      expect(callback.producer).toBe("stores/demobc1");
      expect(Object.keys(body).sort()).toEqual([
        "created_at",
        "data",
        "hash",
        "producer",
        "scope",
        "store_id",
      ]);
      expect(adapter.verify(delivery(w.render(), bigCommerceHeaders(SECRET)))).toBe(true);
      expect(adapter.verify(delivery(w.render(), bigCommerceHeaders("another-secret-0123456789")))).toBe(
        false,
      );
      expect(refOf(w).type).toBe("ref");
    }
  });

  it("serves what the fetchers ask for, valid against BigCommerce's payload schemas", async () => {
    const get = async (path: string) => {
      const response = await fetch(`${api.url}/stores/${HASH}${path}`, {
        headers: { "x-auth-token": TOKEN },
      });
      return {
        status: response.status,
        json: response.status === 204 ? null : ((await response.json()) as unknown),
      };
    };
    const refunded = [...state.orders.values()].find((o) => o.refunds.length)!;
    const id = refunded.spec.orderNumber - 1001 + 5_000_000;
    BcOrder.parse((await get(`/v2/orders/${id}`)).json);
    for (const line of (await get(`/v2/orders/${id}/products?limit=250&page=1`)).json as unknown[])
      BcOrderProduct.parse(line);
    expect((await get(`/v2/orders/${id}/products?limit=250&page=2`)).status).toBe(204);
    const refunds = (await get(`/v3/orders/${id}/payment_actions/refunds`)).json as { data: unknown[] };
    expect(refunds.data.length).toBe(1);
    // The count per status, as BigCommerce answers it (reconciliation adds the sales statuses only).
    const counted = (await get("/v2/orders/count")).json as {
      count: number;
      statuses: { id: number; count: number }[];
    };
    const byStatus: Record<number, number> = {};
    for (const o of state.orders.values()) byStatus[o.statusId] = (byStatus[o.statusId] ?? 0) + 1;
    expect(Object.fromEntries(counted.statuses.map((s) => [s.id, s.count]))).toEqual(byStatus);
    expect(counted.count).toBe(state.orders.size);
    BcRefund.parse(refunds.data[0]);
    expect(BcStore.parse((await get("/v2/store")).json)).toEqual({
      currency: "GBP",
      timezone: { name: "Europe/London", raw_offset: 0 },
    });
    expect((await get("/v2/orders/99999")).status).toBe(404);
  });

  it("resolves every kind of callback through the real fetcher into GBP orders, refunds and stock", async () => {
    const seen = new Map<string, CanonicalEvent[]>();
    for (const w of webhooks.slice(0, 400)) seen.set(w.topic, await fetcher.resolve(refOf(w)));
    const order = seen.get("store/order/created")!.find((e) => e.type === "order");
    expect(order?.type === "order" && order.order.currency).toBe("GBP");
    const stock = seen.get("store/product/inventory/updated")!;
    expect(stock[0]?.type).toBe("inventory_level");
    const refund = seen.get("store/order/refund/created")!.find((e) => e.type === "refund");
    expect(refund?.type === "refund" && refund.refund.amountMinor).toBeGreaterThan(0);
    const statuses = new Set([...state.orders.values()].map((o) => o.statusId));
    for (const s of [4, 5, 7, 11, 14]) expect(statuses, `status ${s}`).toContain(s);
  });

  it("pages the catch-up's order list: every order modified since, once", async () => {
    const since = new Date(START + 3 * DAY);
    const ids: string[] = [];
    for await (const page of fetcher.ordersModifiedSince(since, new Date().toISOString()))
      ids.push(...page.map((e) => (e as RefEvent).ref.id));
    const expected = [...state.orders.values()].filter((o) => o.modifiedAt >= since.getTime()).length;
    expect(expected).toBeGreaterThan(250); // more than one page of 250
    expect(ids.length).toBe(expected);
    expect(new Set(ids).size).toBe(expected);
  });

  it("pages a store's history by creation time, with the count the connect flow shows progress by", async () => {
    const window = { from: new Date(START + DAY), to: new Date(START + 3 * DAY) };
    const expected = [...state.orders.values()].filter(
      (o) => o.spec.createdAt >= window.from.getTime() && o.spec.createdAt < window.to.getTime(),
    ).length;
    const first = await fetcher.historyPage!(window, 1, new Date().toISOString());
    expect(first.totalOrders).toBe(expected);
    expect(first.totalPages).toBe(Math.ceil(expected / 250));
    let ids = first.events.length;
    for (let page = 2; page <= first.totalPages; page++)
      ids += (await fetcher.historyPage!(window, page, new Date().toISOString())).events.length;
    expect(ids).toBe(expected);
  });

  it("tells the catch-up the store's currency and zone", async () => {
    expect(await fetcher.shopInfo!()).toEqual({
      currency: "GBP",
      timeZone: "Europe/London",
      utcOffsetMinutes: 0,
    });
  });
});

describe("demo BigCommerce memory", () => {
  it("keeps five weeks of orders, so a demo left running for months stays small", () => {
    const kept = new BigCommerceState();
    const long = new DemoStore({
      seed: 5,
      ordersPerMinute: 0.02,
      start: START,
      shop: HASH,
      currency: "GBP",
      timeZone: "Europe/London",
      feed: bigCommerceFeed(site, kept),
    });
    const placed = long.advance(START + 50 * DAY).filter((w) => w.topic === "store/order/created");
    const oldest = Math.min(...[...kept.orders.values()].map((o) => o.spec.createdAt));
    expect(oldest).toBeGreaterThanOrEqual(placed.at(-1)!.at - 35 * DAY);
    expect(oldest).toBeLessThan(placed.at(-1)!.at - 34 * DAY);
    expect(kept.orders.size).toBeLessThan(placed.length);
  });
});

describe("demo BigCommerce API rules", () => {
  it("wants the token, and says its rate limit on every answer, answering 429 past the quota until the window resets", async () => {
    const small = await startBigCommerceApi(
      {
        state,
        storeHash: HASH,
        accessToken: TOKEN,
        destination: "http://127.0.0.1:1/x",
        webhookSecret: SECRET,
        quota: 3,
        windowMs: 300,
      },
      { port: 0 },
    );
    try {
      const get = (token = TOKEN) =>
        fetch(`${small.url}/stores/${HASH}/v2/store`, { headers: { "x-auth-token": token } });
      const denied = await get("wrong-token");
      expect(denied.status).toBe(401);
      const answers = [];
      for (let i = 0; i < 4; i++) {
        const r = await get();
        await r.body?.cancel();
        answers.push([
          r.status,
          r.headers.get("x-rate-limit-requests-left"),
          r.headers.get("x-rate-limit-requests-quota"),
        ]);
        expect(Number(r.headers.get("x-rate-limit-time-reset-ms"))).toBeLessThanOrEqual(300);
        expect(r.headers.get("x-rate-limit-time-window-ms")).toBe("300");
      }
      expect(answers).toEqual([
        [200, "2", "3"],
        [200, "1", "3"],
        [200, "0", "3"],
        [429, "0", "3"],
      ]);
      await new Promise((r) => setTimeout(r, 350));
      expect((await get()).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe("demo BigCommerce order amounts", () => {
  const product = (rank: number, priceCents: number, sku: string): Product => ({
    rank,
    productId: rank,
    variantId: rank,
    inventoryItemId: rank,
    sku,
    title: `Thing ${rank} — Red`,
    vendor: "Vendor",
    priceCents,
    grams: 300,
    popularity: 0.1,
    initialStock: 100,
  });
  const shopper: Shopper = {
    id: 7_200_000_000_456,
    firstName: "Rowan",
    lastName: "Berg",
    email: "rowan.berg.456@example.com",
    city: "Denver",
    province: "Colorado",
    provinceCode: "CO",
    zip: "80202",
    ordersCount: 1,
  };
  // 3 × 12.50 + 1 × 29.00 = 66.50 GBP, no discount; 50.00 or more ships free; VAT 20 % = 13.30. Total 79.80.
  // A return of the second line: 29.00 + 20 % = 34.80.
  const spec: OrderSpec = {
    orderId: 5,
    orderNumber: 1005, // BigCommerce order 5000004
    checkoutId: 5,
    createdAt: Date.parse("2026-11-20T18:02:07Z"),
    updatedAt: Date.parse("2026-11-20T18:02:07Z"),
    cancelledAt: null,
    financialStatus: "paid",
    lines: [
      { lineId: 50, product: product(3, 1250, "SOC-RED-003"), quantity: 3, discountCents: 0 },
      { lineId: 51, product: product(4, 2900, "CAP-RED-004"), quantity: 1, discountCents: 0 },
    ],
    discountCode: null,
    discountCents: 0,
    shippingCents: 0,
    taxCents: 1330,
    shopper,
    refunds: [],
  };

  it("are fetched in exact minor units, with the refund at its own time (computed by hand above)", async () => {
    const handState = new BigCommerceState();
    const feed = bigCommerceFeed(
      site,
      handState,
    )({
      seed: 1,
      ctx: { shop: HASH, currency: "GBP", timeZone: "Europe/London", locationId: 1 },
    });
    const created = feed.orderPlaced(spec);
    const refundAt = Date.parse("2026-11-22T10:00:00Z");
    feed.orderRefunded(
      { ...spec, updatedAt: refundAt + 1000, financialStatus: "partially_refunded" },
      {
        refundId: 1,
        orderId: 5,
        createdAt: refundAt,
        lines: [{ lineId: 51, product: spec.lines[1]!.product, quantity: 1, subtotalCents: 2900 }],
        amountCents: 3480,
        transactionId: 1,
      },
    );
    const handApi = await startBigCommerceApi(
      {
        state: handState,
        storeHash: HASH,
        accessToken: TOKEN,
        destination: "http://127.0.0.1:1/x",
        webhookSecret: SECRET,
        quota: 100,
      },
      { port: 0 },
    );
    try {
      const handFetcher = bigCommerceApi(
        { BIGCOMMERCE_STORE_HASH: HASH, BIGCOMMERCE_ACCESS_TOKEN: TOKEN, BIGCOMMERCE_API_URL: handApi.url },
        { customerHashKey: "k".repeat(32), log },
      );
      const events = await handFetcher.resolve(refOf(created[0]!));
      const order = events.find((e) => e.type === "order");
      expect(order?.type === "order" && order.order).toMatchObject({
        orderId: "5000004",
        totalMinor: 7980,
        subtotalMinor: 6650,
        taxMinor: 1330,
        shippingMinor: 0,
        discountMinor: 0,
        currency: "GBP",
        status: "sale",
        financialStatus: "partially_refunded",
        createdAt: "2026-11-20T18:02:07.000Z",
        lines: [
          { sku: "SOC-RED-003", quantity: 3, unitPriceMinor: 1250, totalMinor: 3750 },
          { sku: "CAP-RED-004", quantity: 1, unitPriceMinor: 2900, totalMinor: 2900 },
        ],
      });
      const refund = events.find((e) => e.type === "refund");
      expect(refund?.type === "refund" && refund.refund).toMatchObject({
        amountMinor: 3480,
        currency: "GBP",
        createdAt: "2026-11-22T10:00:00.000Z",
        lines: [{ sku: "CAP-RED-004", quantity: 1 }],
      });
      // Nothing of the buyer survives the fetch.
      expect(JSON.stringify(events)).not.toMatch(/rowan|berg|example\.com|192\.0\.2\./i);
    } finally {
      await handApi.close();
    }
  });
});
