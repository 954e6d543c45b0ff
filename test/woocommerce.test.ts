import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subjectToken } from "../core/events.ts";
import { sqlString } from "../core/questdb.ts";
import { phpJson } from "../platforms/woocommerce/php-json.ts";
import { createLogger } from "../core/log.ts";
import { WOO_TOPICS, WooClient } from "../platforms/woocommerce/client.ts";
import { FakeWooCommerce, WOO_PII, type WooOrderSpec } from "./fakes/woocommerce/store.ts";
import { eventually } from "./support/eventually.ts";
import { settled } from "./support/settled.ts";
import { startTestStack } from "./support/stack.ts";

/**
 * WooCommerce end to end: the fake store (signing, ping, hook disabling, REST paging as WooCommerce
 * documents them) → ingest → JetStream → processors and fetchers → QuestDB. Expected values are
 * worked out by hand from the specs below, never by the code under test.
 */

const SECRET = "woo-hand-made-secret-0123456789";
let woo: FakeWooCommerce;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let hookUrl: string;
let shop: string;

beforeAll(async () => {
  woo = await FakeWooCommerce.start();
  stack = await startTestStack({
    WOOCOMMERCE_WEBHOOK_SECRET: SECRET,
    WOOCOMMERCE_STORE_URL: woo.siteUrl,
    WOOCOMMERCE_CONSUMER_KEY: woo.consumerKey,
    WOOCOMMERCE_CONSUMER_SECRET: woo.consumerSecret,
    CATCHUP_INTERVAL_MS: "3000",
  });
  hookUrl = `${stack.ingestUrl}/webhooks/woocommerce`;
  shop = new URL(woo.siteUrl).host; // X-WC-Webhook-Source without scheme and trailing slash
});
afterAll(async () => {
  await stack?.stop();
  await woo?.stop();
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
const micros = (iso: string) => iso.replace("Z", ".000000Z");

async function orderRows(orderId: number) {
  return stack.db.rows(
    `SELECT * FROM orders WHERE platform = 'woocommerce' AND order_id = ${sqlString(String(orderId))}`,
  );
}
async function orderRow(orderId: number) {
  return eventually(async () => {
    const rows = await orderRows(orderId);
    expect(rows).toHaveLength(1);
    return rows[0]!;
  });
}

describe("saving a webhook in WooCommerce", () => {
  it("answers the unsigned form-encoded ping 200, so WooCommerce keeps the hook, and publishes nothing", async () => {
    for (const topic of ["order.created", "order.updated", "product.updated"]) {
      expect(await woo.addWebhook(topic, hookUrl, SECRET)).toEqual({ saved: true, pingStatus: 200 });
    }
    const res = await fetch(hookUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "webhook_id=42",
    });
    expect(await res.json()).toEqual({ ok: true, ignored: "ping" });
    const health = (await (await fetch(`${stack.ingestUrl}/healthz`)).json()) as {
      webhooks: Record<string, number>;
    };
    expect(health.webhooks["woocommerce: ignored ping"]).toBeGreaterThanOrEqual(4);
    expect(health.webhooks["woocommerce: published"]).toBeUndefined();
  });
});

describe("creating our webhooks through the REST API", () => {
  it("adds only the missing topics (WooCommerce's ping passes), and nothing on a second run", async () => {
    const client = new WooClient(
      woo.siteUrl,
      woo.consumerKey,
      woo.consumerSecret,
      createLogger("test", "silent"),
    );
    expect(await client.ensureWebhooks(hookUrl, SECRET, WOO_TOPICS)).toEqual(["order.restored"]);
    expect(await client.ensureWebhooks(hookUrl, SECRET, WOO_TOPICS)).toEqual([]);
    expect(woo.hook("order.restored")).toMatchObject({ status: "active", deliveryUrl: hookUrl });
  });
});

describe("a signed order.created", () => {
  // By hand: 2 × 19.99 = 39.98; 1 × 5.00 − 1.00 discount = 4.00; lines 43.98; + shipping 4.99 + tax 3.52 = 52.49.
  const spec: WooOrderSpec = {
    id: 101,
    createdAt: "2026-11-25T09:30:00Z",
    customerId: 77,
    lines: [
      { id: 1001, productId: 31, sku: "HOODIE-BL-L", quantity: 2, unitMinor: 1999 },
      { id: 1002, productId: 32, variationId: 3201, quantity: 1, unitMinor: 500, discountMinor: 100 },
    ],
    shippingMinor: 499,
    taxMinor: 352,
  };

  it("is signed over PHP's escaped JSON, which differs from what JSON.stringify would write", () => {
    woo.orders.set(spec.id, { spec, status: "processing", modifiedAt: spec.createdAt, refunds: [] });
    const body = phpJson(woo.payload(spec.id));
    expect(body).toContain("\\/"); // URLs and "Blue/Large"
    expect(body).toContain("\\u2013"); // the en dash in the product name
    expect(JSON.stringify(JSON.parse(body))).not.toBe(body);
    woo.orders.delete(spec.id);
  });

  it("lands in orders and order_lines in exact minor units, UTC times, no personal data", async () => {
    await woo.createOrder(spec);
    expect(woo.deliveries.at(-1)).toMatchObject({ topic: "order.created", status: 200 });
    const row = await orderRow(101);
    expect(row).toMatchObject({
      platform: "woocommerce",
      shop,
      order_id: "101",
      order_number: "101",
      created_at: "2026-11-25T09:30:00.000000Z",
      updated_at: "2026-11-25T09:30:00.000000Z",
      status: "sale",
      financial_status: "processing",
      currency: "USD",
      total_minor: 5249,
      subtotal_minor: 4398,
      tax_minor: 352,
      shipping_minor: 499,
      discount_minor: 100,
      line_count: 2,
      item_count: 3,
      test: false,
    });
    expect(row.customer_key).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const lines = await eventually(async () => {
      const rows = await stack.db.rows(
        `SELECT line_id, sku, quantity, unit_price_minor, total_minor, product_id, variant_id FROM order_lines
         WHERE platform = 'woocommerce' AND order_id = '101' ORDER BY line_id`,
      );
      expect(rows).toHaveLength(2);
      return rows;
    });
    expect(lines).toEqual([
      {
        line_id: "1001",
        sku: "HOODIE-BL-L",
        quantity: 2,
        unit_price_minor: 1999,
        total_minor: 3998,
        product_id: "31",
        variant_id: null,
      },
      {
        line_id: "1002",
        sku: "variant:3201",
        quantity: 1,
        unit_price_minor: 500,
        total_minor: 400,
        product_id: "32",
        variant_id: "3201",
      },
    ]);
  });
});

describe("currencies with 3 and 0 decimals", () => {
  it("keeps fils (KWD, 3 decimals) and yen (JPY, 0 decimals) exact", async () => {
    // KWD by hand: 2 × 12.345 = 24.690; + shipping 1.500 = 26.190 → 26190 fils.
    await woo.createOrder({
      id: 102,
      currency: "KWD",
      createdAt: minutesAgo(50),
      lines: [{ id: 1021, productId: 40, sku: "OUD-50ML", quantity: 2, unitMinor: 12345 }],
      shippingMinor: 1500,
    });
    // JPY by hand: 3 × 1500 = 4500; + shipping 500 = 5000 yen.
    await woo.createOrder({
      id: 103,
      currency: "JPY",
      createdAt: minutesAgo(49),
      lines: [{ id: 1031, productId: 41, sku: "MATCHA-100G", quantity: 3, unitMinor: 1500 }],
      shippingMinor: 500,
    });
    expect(await orderRow(102)).toMatchObject({
      currency: "KWD",
      total_minor: 26190,
      subtotal_minor: 24690,
      shipping_minor: 1500,
    });
    expect(await orderRow(103)).toMatchObject({
      currency: "JPY",
      total_minor: 5000,
      subtotal_minor: 4500,
      shipping_minor: 500,
    });
    const kwdLine = await stack.db.rows(
      "SELECT unit_price_minor, total_minor FROM order_lines WHERE platform = 'woocommerce' AND order_id = '102'",
    );
    expect(kwdLine).toEqual([{ unit_price_minor: 12345, total_minor: 24690 }]);
  });
});

describe("signatures", () => {
  const spec: WooOrderSpec = {
    id: 190,
    createdAt: minutesAgo(40),
    lines: [{ id: 1901, productId: 1, quantity: 1, unitMinor: 100 }],
  };
  const post = (body: string, signature: string | undefined) =>
    fetch(hookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-wc-webhook-source": `${woo.siteUrl}/`,
        "x-wc-webhook-topic": "order.created",
        ...(signature === undefined ? {} : { "x-wc-webhook-signature": signature }),
      },
      body,
    });

  it("401 on a missing, wrong or re-serialised signature, and nothing is stored", async () => {
    woo.orders.set(spec.id, { spec, status: "processing", modifiedAt: spec.createdAt, refunds: [] });
    // The refused requests carry order 191, the accepted control order 190: 191 must never land.
    const refusedSpec: WooOrderSpec = { ...spec, id: 191, lines: [{ ...spec.lines[0]!, id: 1911 }] };
    woo.orders.set(191, { spec: refusedSpec, status: "processing", modifiedAt: spec.createdAt, refunds: [] });
    const body = phpJson(woo.payload(191));
    const controlBody = phpJson(woo.payload(spec.id));
    const good = createHmac("sha256", SECRET).update(controlBody).digest("base64");
    const forged = createHmac("sha256", "another-secret-entirely-000").update(body).digest("base64");
    // Signed over JSON.stringify's bytes: what a receiver that re-serialised would compare against.
    const reserialised = createHmac("sha256", SECRET)
      .update(JSON.stringify(JSON.parse(body)))
      .digest("base64");

    expect((await post(body, undefined)).status).toBe(401);
    expect((await post(body, forged)).status).toBe(401);
    expect((await post(body, reserialised)).status).toBe(401);
    expect((await post(body, "")).status).toBe(401);
    const wrongPing = await fetch(hookUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "webhook_id=1&topic=order.created",
    });
    expect(wrongPing.status).toBe(401);
    expect((await post(controlBody, good)).status).toBe(200); // the control: properly signed
    await orderRow(190);
    await settled(stack.natsUrl, stack.db, ["orders"]);
    expect(await orderRows(191)).toHaveLength(0);
  });
});

describe("refunds inside order.updated", () => {
  it("counts each refund once, at its first sighting, however often the order is delivered", async () => {
    const created = minutesAgo(30);
    const refundedAt = minutesAgo(20);
    await woo.createOrder({
      id: 104,
      createdAt: created,
      lines: [{ id: 1041, productId: 5, sku: "MUG", quantity: 5, unitMinor: 1000 }],
    });
    const refundId = await woo.refund(104, 1250, refundedAt);
    // WooCommerce fires order.updated again for later changes, each showing the same refund …
    await woo.updateOrder(104, { status: "completed", modifiedAt: minutesAgo(10) });
    // … and a plugin re-saving the order repeats the very same payload.
    await woo.fire("order.updated", woo.payload(104));

    const refund = await eventually(async () => {
      const rows = await stack.db.rows(
        `SELECT * FROM refunds WHERE platform = 'woocommerce' AND refund_id = '${refundId}'`,
      );
      expect(rows).toHaveLength(1);
      return rows[0]!;
    });
    expect(refund).toMatchObject({
      order_id: "104",
      amount_minor: 1250,
      currency: "USD",
      created_at: micros(refundedAt),
    });
    await settled(stack.natsUrl, stack.db, ["refunds"]);
    const count = await stack.db.exec(
      `SELECT count() FROM refunds WHERE platform = 'woocommerce' AND order_id = '104'`,
    );
    expect(count.dataset[0]![0]).toBe(1);
    // The order itself is the latest state: completed, still a sale of 50.00.
    await eventually(async () =>
      expect(await orderRow(104)).toMatchObject({
        status: "sale",
        financial_status: "completed",
        total_minor: 5000,
      }),
    );
  });

  it("takes a cancelled order out of revenue, with its cancellation time", async () => {
    const cancelledAt = minutesAgo(5);
    await woo.createOrder({
      id: 105,
      createdAt: minutesAgo(15),
      lines: [{ id: 1051, productId: 6, quantity: 1, unitMinor: 900 }],
    });
    await orderRow(105);
    await woo.updateOrder(105, { status: "cancelled", modifiedAt: cancelledAt });
    await eventually(async () =>
      expect(await orderRow(105)).toMatchObject({ status: "cancelled", cancelled_at: micros(cancelledAt) }),
    );
    await woo.updateOrder(105, { status: "pending", modifiedAt: minutesAgo(4) });
    await eventually(async () =>
      expect(await orderRow(105)).toMatchObject({ status: "pending", financial_status: "pending" }),
    );
  });
});

describe("a checkout", () => {
  it("turns pending into a sale even when both updates share one modification second", async () => {
    const at = minutesAgo(8);
    await woo.createOrder({
      id: 106,
      status: "pending",
      createdAt: at,
      lines: [{ id: 1061, productId: 7, quantity: 1, unitMinor: 2500 }],
    });
    await woo.updateOrder(106, { status: "processing", modifiedAt: at });
    await eventually(async () =>
      expect(await orderRow(106)).toMatchObject({
        status: "sale",
        financial_status: "processing",
        total_minor: 2500,
      }),
    );
  });
});

describe("stock", () => {
  it("publishes an inventory level for managed stock only", async () => {
    const managed = await deliver("product.updated", {
      id: 31,
      name: "Hoodie",
      sku: "HOODIE-BL-L",
      manage_stock: true,
      stock_quantity: 7,
      date_modified_gmt: "2026-11-25T10:00:00",
    });
    expect(managed).toEqual({ ok: true, events: 1, duplicates: 0 });
    const unmanaged = await deliver("product.updated", {
      id: 32,
      sku: "",
      manage_stock: false,
      stock_quantity: null,
    });
    expect(unmanaged).toEqual({ ok: true, ignored: "stock not managed" });
  });
});

async function deliver(topic: string, payload: unknown) {
  const body = phpJson(payload);
  const res = await fetch(hookUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-wc-webhook-source": `${woo.siteUrl}/`,
      "x-wc-webhook-topic": topic,
      "x-wc-webhook-signature": createHmac("sha256", SECRET).update(body).digest("base64"),
    },
    body,
  });
  return res.json();
}

describe("a webhook WooCommerce disabled", () => {
  it("loses no order: the catch-up pages through the missed ones, re-enables the hook, doubles nothing", async () => {
    await stack.ingest.stop();
    const missed = [110, 111, 112, 113, 114, 115, 116];
    for (const [i, id] of missed.entries()) {
      await woo.createOrder({
        id,
        createdAt: minutesAgo(3 - i * 0.1),
        lines: [{ id: id * 10, productId: 9, sku: "SOCKS", quantity: 1, unitMinor: 1000 + i }],
      });
    }
    const hook = woo.hook("order.created")!;
    expect(hook.timesDisabled).toBeGreaterThanOrEqual(1); // seven failures in a row: WooCommerce gave up
    await stack.ingest.start();

    for (const [i, id] of missed.entries()) {
      await eventually(async () => expect(await orderRow(id)).toMatchObject({ total_minor: 1000 + i }), {
        timeoutMs: 30_000,
      });
    }
    await eventually(async () => expect(woo.hook("order.created")!.status).toBe("active"));
    await woo.createOrder({
      id: 117,
      createdAt: minutesAgo(1),
      lines: [{ id: 1170, productId: 9, quantity: 2, unitMinor: 700 }],
    });
    expect(woo.deliveries.at(-1)).toMatchObject({ topic: "order.created", status: 200 });
    expect(await orderRow(117)).toMatchObject({ total_minor: 1400 });

    // At least one more catch-up round re-reads everything (a new modified_after listing), then look for doubles.
    const listed = woo.requests.filter((r) => r.query.has("modified_after")).length;
    await eventually(
      async () =>
        expect(woo.requests.filter((r) => r.query.has("modified_after")).length).toBeGreaterThan(listed),
      { timeoutMs: 30_000 },
    );
    await settled(stack.natsUrl, stack.db, ["orders", "order_lines", "refunds"]);
    const doubled = await stack.db.exec(
      `SELECT order_id, count() c FROM orders WHERE platform = 'woocommerce' GROUP BY order_id ORDER BY c DESC LIMIT 1`,
    );
    expect(doubled.dataset[0]![1]).toBe(1);
    const lines = await stack.db.exec(
      `SELECT order_id, line_id, count() c FROM order_lines WHERE platform = 'woocommerce' GROUP BY order_id, line_id ORDER BY c DESC LIMIT 1`,
    );
    expect(lines.dataset[0]![2]).toBe(1);
    const refunds = await stack.db.exec(`SELECT count() FROM refunds WHERE platform = 'woocommerce'`);
    expect(refunds.dataset[0]![0]).toBe(1);
  });
});

describe("the shop", () => {
  it("is described by the catch-up: currency from WooCommerce, zone from WordPress", async () => {
    const nc = await connect({ servers: stack.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      const msg = await eventually(() =>
        jsm.streams.getMessage("EVENTS", { last_by_subj: `evt.woocommerce.${subjectToken(shop)}.shop` }),
      );
      expect(msg!.json()).toMatchObject({
        platform: "woocommerce",
        shop,
        type: "shop",
        shopInfo: { currency: "USD", timeZone: "Europe/London", utcOffsetMinutes: 0 },
      });
    } finally {
      await nc.close();
    }
  });
});

describe("personal data", () => {
  it("reaches neither QuestDB nor the logs", async () => {
    await orderRow(101);
    for (const table of ["orders", "order_lines", "refunds"]) {
      const text = JSON.stringify((await stack.db.exec(`SELECT * FROM ${table}`)).dataset);
      for (const value of Object.values(WOO_PII))
        expect(text, `${table} holds ${value}`).not.toContain(value);
    }
    for (const log of ["ingest.log", "processors.log"]) {
      const text = readFileSync(join(stack.dir, log), "utf8");
      for (const value of Object.values(WOO_PII)) expect(text, `${log} holds ${value}`).not.toContain(value);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(woo.consumerSecret);
    }
  });
});
