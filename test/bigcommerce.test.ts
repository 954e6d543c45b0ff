import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlString } from "../core/questdb.ts";
import { createLogger } from "../core/log.ts";
import { BigCommerceClient } from "../platforms/bigcommerce/client.ts";
import { BC_PII, FakeBigCommerce } from "./fakes/bigcommerce/store.ts";
import { ensureHooks } from "../platforms/bigcommerce/index.ts";
import { phpJson } from "../platforms/woocommerce/php-json.ts";
import { eventually } from "./support/eventually.ts";
import { settled } from "./support/settled.ts";
import { startTestStack } from "./support/stack.ts";

/**
 * BigCommerce end to end: thin webhooks from the fake store → ingest (a ref, no API call) →
 * JetStream → the fetchers (V2 order + products, V3 refunds, within the rate limit) → canonical
 * events → QuestDB. Expected values are worked out by hand from the specs below.
 */

const SECRET = "bc-hook-header-secret-0123456789";
const WOO_SECRET = "woo-secret-for-the-two-platform-test";
let bc: FakeBigCommerce;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let hookUrl: string;

const SCOPES = [
  "store/order/created",
  "store/order/statusUpdated",
  "store/order/refund/created",
  "store/product/inventory/updated",
  "store/sku/inventory/updated",
];

beforeAll(async () => {
  bc = await FakeBigCommerce.start("abc123def");
  stack = await startTestStack({
    BIGCOMMERCE_STORE_HASH: bc.storeHash,
    BIGCOMMERCE_WEBHOOK_SECRET: SECRET,
    BIGCOMMERCE_ACCESS_TOKEN: bc.accessToken,
    BIGCOMMERCE_API_URL: bc.apiUrl,
    WOOCOMMERCE_WEBHOOK_SECRET: WOO_SECRET,
    WOOCOMMERCE_STORE_URL: "https://woo.example/",
    CATCHUP_INTERVAL_MS: "3000",
  });
  hookUrl = `${stack.ingestUrl}/webhooks/bigcommerce`;
  // As `POST /v3/hooks` with `headers: {"X-Webhook-Secret": …}` creates them.
  for (const scope of SCOPES) bc.addHook(scope, hookUrl, { "X-Webhook-Secret": SECRET });
});
afterAll(async () => {
  await stack?.stop();
  await bc?.stop();
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
const micros = (iso: string) => iso.replace("Z", ".000000Z");

async function orderRow(orderId: number, platform = "bigcommerce") {
  return eventually(
    async () => {
      const rows = await stack.db.rows(
        `SELECT * FROM orders WHERE platform = ${sqlString(platform)} AND order_id = ${sqlString(String(orderId))}`,
      );
      expect(rows).toHaveLength(1);
      return rows[0]!;
    },
    { timeoutMs: 30_000 },
  );
}

describe("a thin store/order/created webhook", () => {
  it("is answered at once and the fetched order lands in orders and order_lines in exact minor units", async () => {
    // By hand: 2 × 24.50 = 49.00; 1 × 9.99 = 9.99; subtotal 58.99; + shipping 5.00 + tax 4.72 = 68.71.
    await bc.createOrder({
      id: 501,
      createdAt: "2026-11-25T08:15:00Z",
      customerId: 3141592653,
      lines: [
        { id: 5011, productId: 77, sku: "TOTE-NAT", quantity: 2, unitMinor: 2450 },
        { id: 5012, productId: 78, variantId: 7001, quantity: 1, unitMinor: 999 },
      ],
      shippingMinor: 500,
      taxMinor: 472,
    });
    expect(bc.deliveries.at(-1)).toMatchObject({ scope: "store/order/created", status: 200 });
    const row = await orderRow(501);
    expect(row).toMatchObject({
      shop: "abc123def",
      created_at: "2026-11-25T08:15:00.000000Z",
      status: "sale",
      financial_status: "awaiting_fulfillment",
      currency: "USD",
      total_minor: 6871,
      subtotal_minor: 5899,
      tax_minor: 472,
      shipping_minor: 500,
      discount_minor: 0,
      line_count: 2,
      item_count: 3,
    });
    expect(row.customer_key).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const lines = await eventually(async () => {
      const rows = await stack.db.rows(
        `SELECT line_id, sku, quantity, unit_price_minor, total_minor FROM order_lines
         WHERE platform = 'bigcommerce' AND order_id = '501' ORDER BY line_id`,
      );
      expect(rows).toHaveLength(2);
      return rows;
    });
    expect(lines).toEqual([
      { line_id: "5011", sku: "TOTE-NAT", quantity: 2, unit_price_minor: 2450, total_minor: 4900 },
      { line_id: "5012", sku: "variant:7001", quantity: 1, unit_price_minor: 999, total_minor: 999 },
    ]);
  });

  it("still lands when BigCommerce answers 429 first (another app spent the shared quota)", async () => {
    bc.throttleNext(2, 400);
    // By hand: 3 × 12.00 = 36.00.
    await bc.createOrder({
      id: 502,
      createdAt: minutesAgo(40),
      lines: [{ id: 5021, productId: 79, sku: "CAP", quantity: 3, unitMinor: 1200 }],
    });
    expect(await orderRow(502)).toMatchObject({ total_minor: 3600, item_count: 3 });
    expect(bc.requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(2);
  });

  it("keeps 3-decimal and 0-decimal currencies exact", async () => {
    // KWD by hand: 1 × 3.250 + shipping 0.750 = 4.000 → 4000 fils; JPY: 2 × 1200 + 300 = 2700 yen.
    await bc.createOrder({
      id: 503,
      currency: "KWD",
      createdAt: minutesAgo(35),
      lines: [{ id: 5031, productId: 80, sku: "DATES", quantity: 1, unitMinor: 3250 }],
      shippingMinor: 750,
    });
    await bc.createOrder({
      id: 504,
      currency: "JPY",
      createdAt: minutesAgo(34),
      lines: [{ id: 5041, productId: 81, sku: "SENCHA", quantity: 2, unitMinor: 1200 }],
      shippingMinor: 300,
    });
    expect(await orderRow(503)).toMatchObject({ currency: "KWD", total_minor: 4000, subtotal_minor: 3250 });
    expect(await orderRow(504)).toMatchObject({ currency: "JPY", total_minor: 2700, subtotal_minor: 2400 });
  });
});

describe("status changes and refunds", () => {
  it("maps status_id: cancelled (5) leaves revenue", async () => {
    await bc.createOrder({
      id: 505,
      createdAt: minutesAgo(30),
      lines: [{ id: 5051, productId: 82, quantity: 1, unitMinor: 5000 }],
    });
    await orderRow(505);
    const cancelledAt = minutesAgo(25);
    await bc.setStatus(505, 5, cancelledAt);
    await eventually(async () =>
      expect(await orderRow(505)).toMatchObject({
        status: "cancelled",
        financial_status: "cancelled",
        cancelled_at: micros(cancelledAt),
      }),
    );
  });

  it("writes a refund once, at its own time, however often BigCommerce delivers the event", async () => {
    const refundedAt = minutesAgo(20);
    const refundId = await bc.refund(501, 1000, refundedAt, [{ lineId: 5011, quantity: 1 }]);
    const body = bc.sent.at(-1)!;
    const hook = bc.hooks.find((h) => h.scope === "store/order/refund/created")!;
    expect(await bc.post(hook, body)).toBe(200); // the same event again: same hash
    expect(await bc.post(hook, body)).toBe(200);
    const refund = await eventually(async () => {
      const rows = await stack.db.rows(
        `SELECT * FROM refunds WHERE platform = 'bigcommerce' AND refund_id = '${refundId}'`,
      );
      expect(rows).toHaveLength(1);
      return rows[0]!;
    });
    expect(refund).toMatchObject({
      order_id: "501",
      amount_minor: 1000,
      units: 1,
      created_at: micros(refundedAt),
    });
    await settled(stack.natsUrl, stack.db, ["refunds"]);
    const count = await stack.db.exec("SELECT count() FROM refunds WHERE platform = 'bigcommerce'");
    expect(count.dataset[0]![0]).toBe(1);
  });
});

describe("stock", () => {
  async function lastStock(itemId: string) {
    const nc = await connect({ servers: stack.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      return await eventually(async () => {
        const msg = await jsm.streams.getMessage("EVENTS", {
          last_by_subj: "evt.bigcommerce.abc123def.inventory_level",
        });
        const event = msg!.json<{ inventoryLevel: { inventoryItemId: string } }>();
        expect(event.inventoryLevel.inventoryItemId).toBe(itemId);
        return event.inventoryLevel;
      });
    } finally {
      await nc.close();
    }
  }

  it("fetches product- and variant-level stock for inventory webhooks", async () => {
    const at = minutesAgo(2);
    await bc.setProductStock(77, "TOTE-NAT", 12, at);
    expect(await lastStock("product:77")).toEqual({
      inventoryItemId: "product:77",
      locationId: "default",
      sku: "TOTE-NAT",
      available: 12,
      updatedAt: at.replace("Z", ".000Z"),
    });
    await bc.setVariantStock(78, 7001, "TOTE-BLK-S", 4);
    expect(await lastStock("variant:7001")).toMatchObject({
      inventoryItemId: "variant:7001",
      sku: "TOTE-BLK-S",
      available: 4,
    });
  });
});

describe("the shop", () => {
  it("is described by the catch-up from the store information endpoint", async () => {
    const nc = await connect({ servers: stack.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      const msg = await eventually(() =>
        jsm.streams.getMessage("EVENTS", { last_by_subj: "evt.bigcommerce.abc123def.shop" }),
      );
      const event = msg!.json<Record<string, unknown>>();
      expect(event).toMatchObject({
        shop: "abc123def",
        shopInfo: { currency: "USD", timeZone: "America/Chicago", utcOffsetMinutes: -360 },
      });
      expect(JSON.stringify(event)).not.toContain(BC_PII.email); // the merchant's own details stay out too
    } finally {
      await nc.close();
    }
  });
});

describe("creating our hooks", () => {
  it("adds the missing scopes with the secret header, is idempotent, and updates a rotated secret", async () => {
    const client = new BigCommerceClient({
      apiUrl: bc.apiUrl,
      storeHash: bc.storeHash,
      accessToken: bc.accessToken,
      log: createLogger("test", "silent"),
    });
    expect(await ensureHooks(client, hookUrl, SECRET)).toEqual({
      created: ["store/order/updated", "store/order/archived"],
      updated: [],
    });
    expect(await ensureHooks(client, hookUrl, SECRET)).toEqual({ created: [], updated: [] });
    const rotated = await ensureHooks(client, hookUrl, `${SECRET}-next`, ["store/order/archived"]);
    expect(rotated).toEqual({ created: [], updated: ["store/order/archived"] });
    expect(bc.hooks.find((h) => h.scope === "store/order/archived")!.headers).toEqual({
      "X-Webhook-Secret": `${SECRET}-next`,
    });
    await ensureHooks(client, hookUrl, SECRET, ["store/order/archived"]); // back, for the tests below
  });
});

describe("authentication", () => {
  const callback = JSON.stringify({
    created_at: 1764000000,
    store_id: "1001234",
    producer: "stores/abc123def",
    scope: "store/order/created",
    hash: "0123456789abcdef0123456789abcdef01234567",
    data: { type: "order", id: 599 },
  });
  const post = (body: string, headers: Record<string, string>) =>
    fetch(hookUrl, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

  it("401 without the hook's secret header or with a wrong one; 400 for another store", async () => {
    expect((await post(callback, {})).status).toBe(401);
    expect((await post(callback, { "x-webhook-secret": "not-the-secret" })).status).toBe(401);
    expect((await post(callback, { "x-webhook-secret": `${SECRET}x` })).status).toBe(401);
    const other = callback.replace("stores/abc123def", "stores/zzz999");
    expect((await post(other, { "x-webhook-secret": SECRET })).status).toBe(400);
    const ignored = await post(callback.replace("store/order/created", "store/cart/created"), {
      "x-webhook-secret": SECRET,
    });
    expect(await ignored.json()).toEqual({ ok: true, ignored: "scope store/cart/created" });
  });
});

describe("a hook BigCommerce deactivated", () => {
  it("loses no order: the catch-up fetches the missed ones, reactivates the hook, doubles nothing", async () => {
    await stack.ingest.stop();
    for (const id of [520, 521, 522]) {
      await bc.createOrder({
        id,
        createdAt: minutesAgo(3),
        lines: [{ id: id * 10, productId: 90, sku: "PIN", quantity: 1, unitMinor: id }],
      });
    }
    const hook = bc.hooks.find((h) => h.scope === "store/order/created")!;
    expect(hook.is_active).toBe(false); // three events failed every attempt
    await stack.ingest.start();
    for (const id of [520, 521, 522]) expect(await orderRow(id)).toMatchObject({ total_minor: id });
    await eventually(async () =>
      expect(bc.hooks.find((h) => h.scope === "store/order/created")!.is_active).toBe(true),
    );

    // One more catch-up round re-reads everything (a new min_date_modified listing), then look for doubles.
    const catchUps = () => bc.requests.filter((r) => r.path.includes("min_date_modified")).length;
    const listed = catchUps();
    await eventually(async () => expect(catchUps()).toBeGreaterThan(listed), { timeoutMs: 30_000 });
    await settled(stack.natsUrl, stack.db, ["orders", "order_lines"]);
    const doubled = await stack.db.exec(
      "SELECT order_id, count() c FROM orders WHERE platform = 'bigcommerce' GROUP BY order_id ORDER BY c DESC LIMIT 1",
    );
    expect(doubled.dataset[0]![1]).toBe(1);
    const lines = await stack.db.exec(
      "SELECT order_id, line_id, count() c FROM order_lines WHERE platform = 'bigcommerce' GROUP BY order_id, line_id ORDER BY c DESC LIMIT 1",
    );
    expect(lines.dataset[0]![2]).toBe(1);
  });
});

describe("two platforms", () => {
  it("keeps the same order id on WooCommerce and BigCommerce as two orders", async () => {
    const payload = {
      id: 501,
      status: "processing",
      currency: "EUR",
      date_created_gmt: "2026-11-25T08:15:00",
      date_modified_gmt: "2026-11-25T08:15:00",
      total: "10.00",
      line_items: [{ id: 1, product_id: 2, quantity: 1, subtotal: "10.00", total: "10.00", sku: "X" }],
    };
    const body = phpJson(payload);
    const res = await fetch(`${stack.ingestUrl}/webhooks/woocommerce`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-wc-webhook-source": "https://woo.example/",
        "x-wc-webhook-topic": "order.created",
        "x-wc-webhook-signature": createHmac("sha256", WOO_SECRET).update(body).digest("base64"),
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(await orderRow(501, "woocommerce")).toMatchObject({
      shop: "woo.example",
      currency: "EUR",
      total_minor: 1000,
    });
    expect(await orderRow(501, "bigcommerce")).toMatchObject({
      shop: "abc123def",
      currency: "USD",
      total_minor: 6871,
    });
  });
});

describe("personal data", () => {
  it("reaches neither QuestDB nor the logs", async () => {
    await orderRow(501);
    for (const table of ["orders", "order_lines", "refunds"]) {
      const text = JSON.stringify((await stack.db.exec(`SELECT * FROM ${table}`)).dataset);
      for (const value of Object.values(BC_PII)) expect(text, `${table} holds ${value}`).not.toContain(value);
      // The customer id (long enough not to turn up inside a hash or a time), replaced by a keyed hash.
      expect(text).not.toContain("3141592653");
    }
    for (const log of ["ingest.log", "processors.log"]) {
      const text = readFileSync(join(stack.dir, log), "utf8");
      for (const value of Object.values(BC_PII)) expect(text, `${log} holds ${value}`).not.toContain(value);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(bc.accessToken);
    }
  });
});
