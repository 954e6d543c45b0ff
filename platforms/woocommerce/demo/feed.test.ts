import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Order } from "../../../core/events.ts";
import type { Delivery } from "../../adapter.ts";
import { woocommerce } from "../index.ts";
import { WooOrder, WooProduct } from "../payload.ts";
import type { Product } from "../../../demo/catalogue.ts";
import { WOO_DEMO } from "./index.ts";
import type { OrderSpec, Shopper } from "../../../demo/specs.ts";
import { DemoStore } from "../../../demo/store.ts";
import { wooFeed, wooHeaders } from "./feed.ts";
import { wooOrderPayload, type WooSite } from "./payloads.ts";

const SECRET = "demo-woo-test-secret-0123456789";
const START = Date.parse("2026-11-02T05:00:00Z");
const DAY = 86_400_000;
const adapter = woocommerce.create(
  { WOOCOMMERCE_WEBHOOK_SECRET: SECRET, WOOCOMMERCE_STORE_URL: WOO_DEMO.siteUrl },
  { customerHashKey: "k".repeat(32) },
);
const site = { siteUrl: WOO_DEMO.siteUrl, taxLabel: WOO_DEMO.taxLabel, taxRate: WOO_DEMO.taxRate };

function delivery(body: string, headers: Record<string, string>): Delivery {
  return {
    header: (name) => headers[name],
    rawBody: Buffer.from(body, "utf8"),
    receivedAt: new Date().toISOString(),
  };
}

const store = new DemoStore({
  seed: 11,
  ordersPerMinute: 0.6,
  start: START,
  shop: WOO_DEMO.shop,
  currency: "EUR",
  timeZone: "Europe/Berlin",
  taxRate: WOO_DEMO.taxRate,
  shippingMinor: WOO_DEMO.shippingMinor,
  freeShippingFromMinor: WOO_DEMO.freeShippingFromMinor,
  viralAt: [START + DAY],
  feed: wooFeed(site),
});
const webhooks = store.advance(START + 6 * DAY);
const bodies = webhooks.map((w) => ({ w, body: w.render() }));

describe("demo WooCommerce shop", () => {
  it("posts order.created, order.updated and product.updated, signed as WooCommerce signs them", () => {
    expect(new Set(webhooks.map((w) => w.topic))).toEqual(
      new Set(["order.created", "order.updated", "product.updated"]),
    );
    for (const { w, body } of bodies) {
      const headers = wooHeaders(SECRET, WOO_DEMO.siteUrl, w, body);
      // The signature computed here, independently: base64 HMAC-SHA256 of the exact bytes.
      expect(headers["x-wc-webhook-signature"]).toBe(
        createHmac("sha256", SECRET).update(body).digest("base64"),
      );
      expect(headers["x-wc-webhook-source"]).toBe("https://demo-woo.metricsdash.example/");
      expect(`${headers["x-wc-webhook-resource"]}.${headers["x-wc-webhook-event"]}`).toBe(w.topic);
      const d = delivery(body, headers);
      expect(adapter.verify(d)).toBe(true);
      const result = adapter.handle(d);
      expect(result.kind).toBe("publish");
      if (result.kind !== "publish") continue;
      expect(new Set(result.events.map((e) => e.shop))).toEqual(new Set([WOO_DEMO.shop]));
      const order = result.events.find((e) => e.type === "order");
      if (order?.type === "order") expect(order.order.currency).toBe("EUR");
    }
  });

  it("writes JSON the way PHP does: escaped slashes, no raw non-ASCII, and re-serialising breaks the signature", () => {
    const product = bodies.find(({ w }) => w.topic === "product.updated")!;
    expect(product.body).toContain("https:\\/\\/demo-woo.metricsdash.example\\/");
    const order = bodies.find(({ body }) => body.includes("\\u00f6") || body.includes("\\u00fc"));
    expect(order, "an order from München or Köln").toBeDefined();
    for (const { body } of bodies) expect(/[^ -~]/.test(body)).toBe(false); // printable ASCII only
    const reserialised = JSON.stringify(JSON.parse(product.body));
    const headers = wooHeaders(SECRET, WOO_DEMO.siteUrl, product.w, product.body);
    expect(adapter.verify(delivery(reserialised, headers))).toBe(false);
  });

  it("validates against the WooCommerce payload schemas, with managed stock on every product", () => {
    for (const { w, body } of bodies) {
      const json = JSON.parse(body) as unknown;
      if (w.topic === "product.updated") {
        const product = WooProduct.parse(json);
        expect(product.manage_stock).toBe(true);
        expect(product.stock_quantity).toBeGreaterThanOrEqual(0);
      } else WooOrder.parse(json);
    }
  });

  it("goes through WooCommerce's statuses, with refunds inside order.updated at negative totals", () => {
    const orders = bodies
      .filter(({ w }) => w.topic !== "product.updated")
      .map(({ body }) => JSON.parse(body) as { status: string; refunds: { total: string }[] });
    const statuses = new Set(orders.map((o) => o.status));
    for (const status of ["pending", "on-hold", "processing", "cancelled", "refunded"])
      expect(statuses, status).toContain(status);
    const refunds = orders.flatMap((o) => o.refunds);
    expect(refunds.length).toBeGreaterThan(0);
    for (const r of refunds) expect(r.total).toMatch(/^-\d+\.\d{2}$/);
  });

  it("carries invented people, as a real order does, for ingest to strip", () => {
    const order = bodies.find(({ w }) => w.topic === "order.created")!;
    const json = JSON.parse(order.body) as {
      billing: { email: string; first_name: string };
      customer_ip_address: string;
    };
    expect(json.billing.email).toMatch(/@example\.com$/);
    expect(json.billing.first_name.length).toBeGreaterThan(0);
    expect(json.customer_ip_address).toMatch(/^203\.0\.113\./);
    const result = adapter.handle(
      delivery(order.body, wooHeaders(SECRET, WOO_DEMO.siteUrl, order.w, order.body)),
    );
    const canonical = JSON.stringify(result);
    expect(canonical).not.toContain(json.billing.email);
    expect(canonical).not.toContain(json.customer_ip_address);
  });
});

describe("demo WooCommerce order amounts", () => {
  const product = (rank: number, priceCents: number, sku: string): Product => ({
    rank,
    productId: rank,
    variantId: rank,
    inventoryItemId: rank,
    sku,
    title: `Thing ${rank} — Blue`,
    vendor: "Vendor",
    priceCents,
    grams: 300,
    popularity: 0.1,
    initialStock: 100,
  });
  const shopper: Shopper = {
    id: 7_200_000_000_123,
    firstName: "Avery",
    lastName: "Lee",
    email: "avery.lee.123@example.com",
    city: "Brooklyn",
    province: "New York",
    provinceCode: "NY",
    zip: "11201",
    ordersCount: 1,
  };
  // 2 × 24.00 + 1 × 18.50 = 66.50 EUR, 10 % off each line (4.80 + 1.85 = 6.65) → 59.85;
  // under 60.00, so 4.90 shipping; VAT 19 % of 59.85 = 11.3715 → 11.37. Total 59.85 + 4.90 + 11.37 = 76.12.
  const spec: OrderSpec = {
    orderId: 1,
    orderNumber: 1001,
    checkoutId: 1,
    createdAt: Date.parse("2026-11-20T09:15:30Z"),
    updatedAt: Date.parse("2026-11-20T09:15:34Z"),
    cancelledAt: null,
    financialStatus: "paid",
    lines: [
      { lineId: 10, product: product(1, 2400, "TEE-BLU-001"), quantity: 2, discountCents: 480 },
      { lineId: 11, product: product(2, 1850, "MUG-BLU-002"), quantity: 1, discountCents: 185 },
    ],
    discountCode: "WELCOME10",
    discountCents: 0,
    shippingCents: 490,
    taxCents: 1137,
    shopper,
    refunds: [],
  };
  const wooSite: WooSite = {
    ...site,
    shop: WOO_DEMO.shop,
    currency: "EUR",
    timeZone: "Europe/Berlin",
    locationId: 1,
  };

  it("land in exact minor units (computed by hand above)", () => {
    const payload = wooOrderPayload(
      {
        spec,
        status: "processing",
        modifiedAt: spec.updatedAt,
        paidAt: spec.updatedAt,
        refunds: [{ id: 9, amountMinor: 2284, reason: "Return" }],
      },
      wooSite,
    );
    expect(payload).toMatchObject({
      total: "76.12",
      total_tax: "11.37",
      shipping_total: "4.90",
      discount_total: "6.65",
      date_created_gmt: "2026-11-20T09:15:30",
      date_created: "2026-11-20T10:15:30", // Berlin is UTC+1 in November
      refunds: [{ id: 9, total: "-22.84" }],
    });
    const body = JSON.stringify(payload);
    const headers = { "x-wc-webhook-topic": "order.updated", "x-wc-webhook-source": WOO_DEMO.siteUrl };
    const result = adapter.handle(delivery(body, headers));
    if (result.kind !== "publish") throw new Error("not published");
    const order = result.events.find((e) => e.type === "order")!;
    expect((order as { order: Order }).order).toMatchObject({
      totalMinor: 7612,
      taxMinor: 1137,
      shippingMinor: 490,
      discountMinor: 665,
      subtotalMinor: 5985,
      currency: "EUR",
      status: "sale",
      createdAt: "2026-11-20T09:15:30.000Z",
      lines: [
        { sku: "TEE-BLU-001", quantity: 2, unitPriceMinor: 2400, totalMinor: 4320 },
        { sku: "MUG-BLU-002", quantity: 1, unitPriceMinor: 1850, totalMinor: 1665 },
      ],
    });
    const refund = result.events.find((e) => e.type === "ref");
    expect(refund).toMatchObject({ ref: { refund: { amountMinor: 2284, currency: "EUR" } } });
  });
});
