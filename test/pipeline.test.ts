import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlString } from "../core/questdb.ts";
import { INGEST_NODE_FLAGS } from "../ingest/node-flags.ts";
import { eventually } from "./support/eventually.ts";
import { settled } from "./support/settled.ts";
import {
  orderPayload,
  PII,
  postEarlyAnswer,
  refundPayload,
  ShopifyWebhookSender,
  shopifyJson,
  type OrderSpec,
} from "./support/shopify-webhooks.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";

let stack: Awaited<ReturnType<typeof startTestStack>>;
let shopify: ShopifyWebhookSender;

beforeAll(async () => {
  stack = await startTestStack();
  shopify = new ShopifyWebhookSender(stack.ingestUrl, TEST_SECRETS.SHOPIFY_API_SECRET);
});
afterAll(async () => stack?.stop());

const recent = (minutesAgo: number) =>
  new Date(Date.now() - minutesAgo * 60_000).toISOString().replace(/\.\d+Z$/, "Z");

async function orderRow(orderId: bigint) {
  return eventually(async () => {
    const rows = await stack.db.rows(`SELECT * FROM orders WHERE order_id = ${sqlString(String(orderId))}`);
    expect(rows).toHaveLength(1);
    return rows[0]!;
  });
}

describe("a signed orders/create", () => {
  // Hand-computed: line 1 19.99 × 3 = 59.97; line 2 5.00 × 2 − 1.00 = 9.00; subtotal 68.97;
  // + shipping 4.99 + tax 5.52 = 79.48.
  const spec: OrderSpec = {
    id: 5_920_000_000_000_000_001n, // above 2^53: must arrive exact
    createdAt: "2026-11-25T09:30:00-05:00",
    lines: [
      { id: 13_000_000_000_000_000_001n, priceCents: 1999, quantity: 3, sku: "TEE-RED-M" },
      {
        id: 13_000_000_000_000_000_002n,
        priceCents: 500,
        quantity: 2,
        discountCents: 100,
        sku: "",
        variantId: 39_072_856_000_000_001n,
      },
    ],
    shippingCents: 499,
    taxCents: 552,
  };

  it("is answered 200 and becomes one orders row with exact money, instants and flags", async () => {
    const res = await shopify.deliver("orders/create", orderPayload(spec));
    expect(res.status).toBe(200);
    const row = await orderRow(spec.id);
    expect(row).toMatchObject({
      platform: "shopify",
      shop: "metricsdash-test.myshopify.com",
      order_id: "5920000000000000001",
      order_number: "#1001", // the fake names orders #<1000 + id mod 100000>
      order_ref: "1001", // as payments and labels name it (core/order-ref.ts)
      created_at: "2026-11-25T14:30:00.000000Z",
      updated_at: "2026-11-25T14:30:00.000000Z",
      cancelled_at: null,
      status: "sale",
      financial_status: "paid",
      currency: "USD",
      total_minor: 7948,
      subtotal_minor: 6897,
      tax_minor: 552,
      shipping_minor: 499,
      discount_minor: 100,
      line_count: 2,
      item_count: 5,
      test: false,
    });
    expect(row.customer_key).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("writes its line items, with the variant standing in for an empty SKU", async () => {
    const lines = await eventually(async () => {
      const rows = await stack.db.rows(
        `SELECT line_id, sku, quantity, unit_price_minor, total_minor, variant_id FROM order_lines
         WHERE order_id = '5920000000000000001' ORDER BY line_id`,
      );
      expect(rows).toHaveLength(2);
      return rows;
    });
    expect(lines).toEqual([
      {
        line_id: "13000000000000000001",
        sku: "TEE-RED-M",
        quantity: 3,
        unit_price_minor: 1999,
        total_minor: 5997,
        variant_id: "808950810",
      },
      {
        line_id: "13000000000000000002",
        sku: "variant:39072856000000001",
        quantity: 2,
        unit_price_minor: 500,
        total_minor: 900,
        variant_id: "39072856000000001",
      },
    ]);
  });
});

describe("duplicates and updates", () => {
  it("stores a redelivered event once (same event id) and a second event for the same state once", async () => {
    const spec: OrderSpec = {
      id: 7001n,
      createdAt: recent(30),
      lines: [{ id: 70011n, priceCents: 1000, quantity: 1 }],
    };
    const payload = orderPayload(spec);
    const first = await shopify.deliver("orders/create", payload, { eventId: "evt-7001" });
    const retry = await shopify.deliver("orders/create", payload, { eventId: "evt-7001" });
    const paid = await shopify.deliver("orders/paid", payload);
    expect([first.status, retry.status, paid.status]).toEqual([200, 200, 200]);
    expect(retry.body).toMatchObject({ duplicates: 1 });
    await orderRow(7001n);
    // Every consumer has handled every event and QuestDB applied it: anything extra is in by now.
    await settled(stack.natsUrl, stack.db, ["orders", "order_lines"]);
    const count = await stack.db.exec("SELECT count() FROM orders WHERE order_id = '7001'");
    expect(count.dataset[0]![0]).toBe(1);
    const lines = await stack.db.exec("SELECT count() FROM order_lines WHERE order_id = '7001'");
    expect(lines.dataset[0]![0]).toBe(1);
  });

  it("replaces an order's state on update and ignores a stale update delivered late", async () => {
    const created = recent(20);
    const base: OrderSpec = {
      id: 7002n,
      createdAt: created,
      lines: [{ id: 70021n, priceCents: 2500, quantity: 2 }],
    };
    const cancelledAt = recent(5);
    const newer = { ...base, updatedAt: cancelledAt, cancelledAt, financialStatus: "voided" };
    const older = { ...base, updatedAt: recent(10), financialStatus: "paid" };

    expect((await shopify.deliver("orders/create", orderPayload(base))).status).toBe(200);
    await orderRow(7002n);
    expect((await shopify.deliver("orders/cancelled", orderPayload(newer))).status).toBe(200);
    await eventually(async () => expect((await orderRow(7002n)).status).toBe("cancelled"));
    // The older update arrives last (platforms don't promise order).
    expect((await shopify.deliver("orders/updated", orderPayload(older))).status).toBe(200);
    await settled(stack.natsUrl, stack.db, ["orders"]);

    const row = await orderRow(7002n);
    expect(row).toMatchObject({ status: "cancelled", financial_status: "voided", total_minor: 5000 });
    expect(row.cancelled_at).toBe(cancelledAt.replace("Z", ".000000Z"));
    const count = await stack.db.exec("SELECT count() FROM orders WHERE order_id = '7002'");
    expect(count.dataset[0]![0]).toBe(1);
  });

  it("keeps test orders, flagged", async () => {
    await shopify.deliver(
      "orders/create",
      orderPayload({
        id: 7003n,
        createdAt: recent(3),
        test: true,
        lines: [{ id: 70031n, priceCents: 100, quantity: 1 }],
      }),
    );
    expect((await orderRow(7003n)).test).toBe(true);
  });
});

describe("refunds and inventory", () => {
  it("writes a refund at its own time with its amount", async () => {
    const at = recent(1);
    const res = await shopify.deliver(
      "refunds/create",
      refundPayload({
        id: 9001n,
        orderId: 7002n,
        createdAt: at,
        amountCents: 1234,
        lines: [{ lineItemId: 70021n, quantity: 1 }],
      }),
    );
    expect(res.status).toBe(200);
    const row = await eventually(async () => {
      const rows = await stack.db.rows("SELECT * FROM refunds WHERE refund_id = '9001'");
      expect(rows).toHaveLength(1);
      return rows[0]!;
    });
    expect(row).toMatchObject({ order_id: "7002", amount_minor: 1234, currency: "USD", units: 1 });
    expect(row.created_at).toBe(at.replace("Z", ".000000Z"));
  });

  it("accepts inventory level updates and acknowledges topics it does not consume", async () => {
    const inv = await shopify.deliver("inventory_levels/update", {
      inventory_item_id: 271878346596884015n.toString(),
      location_id: 24826418,
      available: 6,
      updated_at: recent(0),
    });
    expect(inv).toMatchObject({ status: 200, body: { ok: true, events: 1 } });
    const other = await shopify.deliver("products/create", { id: 1 });
    expect(other).toMatchObject({ status: 200, body: { ok: true, ignored: "topic products/create" } });
  });
});

describe("personal data", () => {
  it("never reaches QuestDB: no name, email, phone, address or IP in any table", async () => {
    await orderRow(5_920_000_000_000_000_001n);
    const tables = ["orders", "order_lines", "refunds"];
    for (const table of tables) {
      const result = await stack.db.exec(`SELECT * FROM ${table}`);
      const text = JSON.stringify(result.dataset);
      for (const value of Object.values(PII)) expect(text, `${table} holds ${value}`).not.toContain(value);
      // The customer id itself is replaced by a keyed hash.
      expect(text).not.toContain("115310627314723954");
    }
  });
});

describe("errors a platform can read", () => {
  const body = shopifyJson(orderPayload({ id: 1n, createdAt: recent(1), lines: [] }));

  it("401 on a missing or wrong signature, before the body is even parsed", async () => {
    expect((await shopify.deliver("orders/create", body, { signature: "" })).status).toBe(401);
    const forged = new ShopifyWebhookSender(stack.ingestUrl, "not-the-app-secret-at-all").sign(body);
    const res = await shopify.deliver("orders/create", body, { signature: forged });
    expect(res).toMatchObject({ status: 401, body: { error: { code: "invalid_signature" } } });
    expect((await shopify.deliver("orders/create", "{not json", { signature: forged })).status).toBe(401);
  });

  it("400 on malformed JSON and on a payload missing a field, naming the field", async () => {
    expect(await shopify.deliver("orders/create", "{not json")).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_payload" } },
    });
    const payload = orderPayload({ id: 2n, createdAt: recent(1), lines: [] });
    delete payload.total_price_set;
    expect(await shopify.deliver("orders/create", payload)).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_payload", field: "total_price_set" } },
    });
  });

  it("413 on a body over the limit, 415 on a wrong content type, 404 on an unknown platform", async () => {
    const huge = JSON.stringify({ pad: "x".repeat(3 * 1024 * 1024) });
    expect(await postEarlyAnswer(shopify.url, { "content-type": "application/json" }, huge)).toBe(413);
    const wrongType = await fetch(shopify.url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body,
    });
    expect(wrongType.status).toBe(415);
    expect(((await wrongType.json()) as { error: { code: string } }).error.code).toBe(
      "unsupported_media_type",
    );
    const unknown = await fetch(`${stack.ingestUrl}/webhooks/nope`, { method: "POST", body });
    expect(unknown.status).toBe(404);
  });

  it("reports health and readiness", async () => {
    expect((await fetch(`${stack.ingestUrl}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${stack.ingestUrl}/readyz`)).json()).toEqual({ status: "ready" });
  });
});

describe("how ingest runs", () => {
  it("with its V8 flags, and a compile cache its restart reuses", async () => {
    const argv = readFileSync(`/proc/${stack.ingest.pid}/cmdline`, "utf8").split("\0");
    expect(argv.slice(1, 1 + INGEST_NODE_FLAGS.length)).toEqual([...INGEST_NODE_FLAGS]);
    const environ = readFileSync(`/proc/${stack.ingest.pid}/environ`, "utf8").split("\0");
    const cache = environ
      .find((v) => v.startsWith("NODE_COMPILE_CACHE="))
      ?.slice("NODE_COMPILE_CACHE=".length);
    expect(cache).toBeTruthy();
    // Node writes what it compiled when the process ends; the next start reads it.
    await stack.ingest.stop();
    const cached = readdirSync(cache!, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(cached.length).toBeGreaterThan(10);
    await stack.ingest.start();
    expect(await (await fetch(`${stack.ingestUrl}/readyz`)).json()).toEqual({ status: "ready" });
  });
});
