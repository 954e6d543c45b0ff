import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import type { Delivery } from "../adapter.ts";
import { BigCommerceClient } from "./client.ts";
import { FakeBigCommerce } from "../../test/fakes/bigcommerce/store.ts";
import { bigcommerce } from "./index.ts";
import { bcMinor } from "./normalise.ts";
import { bcStatus } from "./status.ts";

const log = createLogger("test", "silent");

describe("status_id mapping", () => {
  it("follows BigCommerce's fixed statuses 0–14", () => {
    // From the "Get All Order Statuses" reference: which ones are money taken, which not yet, which undone.
    const expected: [number, string, string][] = [
      [0, "incomplete", "pending"],
      [1, "pending", "pending"],
      [2, "shipped", "sale"],
      [3, "partially_shipped", "sale"],
      [4, "refunded", "sale"],
      [5, "cancelled", "cancelled"],
      [6, "declined", "cancelled"],
      [7, "awaiting_payment", "pending"],
      [8, "awaiting_pickup", "sale"],
      [9, "awaiting_shipment", "sale"],
      [10, "completed", "sale"],
      [11, "awaiting_fulfillment", "sale"],
      [12, "manual_verification_required", "pending"],
      [13, "disputed", "sale"],
      [14, "partially_refunded", "sale"],
    ];
    for (const [id, label, sales] of expected) expect(bcStatus(id), `status ${id}`).toEqual({ label, sales });
    expect(bcStatus(99)).toEqual({ label: "status_99", sales: "pending" });
  });
});

describe("four-decimal money", () => {
  it("rounds half away from zero to the currency's exponent, on the digits", () => {
    expect(bcMinor("12.3400", "USD")).toBe(1234);
    expect(bcMinor("18.1818", "USD")).toBe(1818);
    expect(bcMinor("18.1850", "USD")).toBe(1819);
    expect(bcMinor("-2.0050", "USD")).toBe(-201);
    expect(bcMinor("1500.0000", "JPY")).toBe(1500);
    expect(bcMinor("1499.5000", "JPY")).toBe(1500);
    expect(bcMinor("3.2500", "KWD")).toBe(3250);
    expect(bcMinor("10.5", "USD")).toBe(1050); // V3 numbers
    expect(() => bcMinor("1e3", "USD")).toThrow(/not a decimal/);
  });
});

describe("stores connected through the connect service", () => {
  const key = "store-webhook-key-for-tests-0123";
  const secretOf = (hash: string) =>
    createHmac("sha256", key).update(`webhook-secret\u0000bigcommerce\u0000${hash}`).digest("base64url");
  const connected = bigcommerce.create(undefined, { customerHashKey: "k".repeat(32), storeWebhookKey: key });
  const both = bigcommerce.create(
    { BIGCOMMERCE_STORE_HASH: "envstore", BIGCOMMERCE_WEBHOOK_SECRET: "sixteen-chars-secret" },
    { customerHashKey: "k".repeat(32), storeWebhookKey: key },
  );
  const callback = (hash: string) => ({
    created_at: 1795608000,
    store_id: "1",
    producer: `stores/${hash}`,
    scope: "store/order/created",
    hash: "beef",
    data: { type: "order", id: 5 },
  });
  const delivery = (body: unknown, headers: Record<string, string>): Delivery => ({
    header: (name) => ({ "content-type": "application/json", ...headers })[name],
    rawBody: Buffer.from(JSON.stringify(body)),
    receivedAt: "2026-11-25T12:00:00.000Z",
  });

  it("accepts a store's own secret for the store it names, and only for that store's callbacks", () => {
    const good = delivery(callback("s1"), {
      "x-webhook-secret": secretOf("s1"),
      "x-metricsdash-store": "s1",
    });
    expect(connected.verify(good)).toBe(true);
    expect(connected.handle(good)).toMatchObject({ kind: "publish", events: [{ shop: "s1", type: "ref" }] });
    // Authenticated as s1 but carrying s2's callback: refused, s1 cannot speak for s2.
    const smuggled = delivery(callback("s2"), {
      "x-webhook-secret": secretOf("s1"),
      "x-metricsdash-store": "s1",
    });
    expect(connected.verify(smuggled)).toBe(true);
    expect(() => connected.handle(smuggled)).toThrow(/not the store its secret belongs to/);
  });

  it("refuses another store's secret, a missing store header, and the env secret when none is set", () => {
    expect(
      connected.verify(
        delivery(callback("s1"), { "x-webhook-secret": secretOf("s2"), "x-metricsdash-store": "s1" }),
      ),
    ).toBe(false);
    expect(connected.verify(delivery(callback("s1"), { "x-webhook-secret": secretOf("s1") }))).toBe(false);
    expect(
      connected.verify(
        delivery(callback("envstore"), {
          "x-webhook-secret": "sixteen-chars-secret",
          "x-metricsdash-store": "envstore",
        }),
      ),
    ).toBe(false);
  });

  it("keeps the env-configured store working beside connected ones", () => {
    const env = delivery(callback("envstore"), { "x-webhook-secret": "sixteen-chars-secret" });
    expect(both.verify(env)).toBe(true);
    expect(both.handle(env)).toMatchObject({ kind: "publish", events: [{ shop: "envstore" }] });
    const s1 = delivery(callback("s1"), { "x-webhook-secret": secretOf("s1"), "x-metricsdash-store": "s1" });
    expect(both.verify(s1)).toBe(true);
  });
});

describe("the webhook adapter", () => {
  const adapter = bigcommerce.create(
    { BIGCOMMERCE_STORE_HASH: "abc123", BIGCOMMERCE_WEBHOOK_SECRET: "sixteen-chars-secret" },
    { customerHashKey: "k".repeat(32) },
  );
  const delivery = (body: unknown, secret?: string): Delivery => ({
    header: (name) =>
      name === "x-webhook-secret" ? secret : name === "content-type" ? "application/json" : undefined,
    rawBody: Buffer.from(JSON.stringify(body)),
    receivedAt: "2026-11-25T12:00:00.000Z",
  });
  const callback = {
    created_at: 1795608000,
    store_id: "1",
    producer: "stores/abc123",
    scope: "store/order/statusUpdated",
    hash: "f00d",
    data: { type: "order", id: 173331, status: { previous_status_id: 11, new_status_id: 2 } },
  };

  it("accepts only the secret header we set, compared in constant time", () => {
    expect(adapter.verify(delivery(callback, "sixteen-chars-secret"))).toBe(true);
    expect(adapter.verify(delivery(callback, "sixteen-chars-secreT"))).toBe(false);
    expect(adapter.verify(delivery(callback))).toBe(false);
  });

  it("turns a thin callback into a ref keyed by BigCommerce's hash, without calling BigCommerce", () => {
    const result = adapter.handle(delivery(callback, "sixteen-chars-secret"));
    expect(result).toEqual({
      kind: "publish",
      events: [
        {
          v: 1,
          platform: "bigcommerce",
          shop: "abc123",
          type: "ref",
          eventId: "store/order/statusUpdated:f00d:1795608000",
          receivedAt: "2026-11-25T12:00:00.000Z",
          ref: {
            resource: "order",
            id: "173331",
            action: "store/order/statusUpdated",
            observedAt: "2026-11-25T12:00:00.000Z",
          },
        },
      ],
    });
  });
});

describe("the rate-limited client", () => {
  it("waits for the window to reset when no requests are left, instead of spending one on a 429", async () => {
    const fake = await FakeBigCommerce.start("ratelimit");
    try {
      fake.quota = 2;
      fake.windowMs = 600;
      await new Promise((r) => setTimeout(r, 650)); // start a fresh window with the small quota
      const client = new BigCommerceClient({
        apiUrl: fake.apiUrl,
        storeHash: fake.storeHash,
        accessToken: fake.accessToken,
        log,
      });
      const started = Date.now();
      for (let i = 0; i < 5; i++) expect((await client.get("/v3/hooks")).status).toBe(200);
      expect(fake.requests.filter((r) => r.status === 429)).toHaveLength(0);
      expect(client.throttled).toBe(0);
      // 5 requests at 2 per 600 ms window: at least two waits for a reset.
      expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    } finally {
      await fake.stop();
    }
  });

  it("retries a 429 after the reset it names, and gives up after its attempts", async () => {
    const fake = await FakeBigCommerce.start("throttled");
    try {
      const client = new BigCommerceClient({
        apiUrl: fake.apiUrl,
        storeHash: fake.storeHash,
        accessToken: fake.accessToken,
        log,
        maxAttempts: 3,
      });
      fake.throttleNext(2, 150);
      const started = Date.now();
      expect((await client.get("/v3/hooks")).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(fake.requests.map((r) => r.status)).toEqual([429, 429, 200]);
      fake.throttleNext(5, 10);
      await expect(client.get("/v3/hooks")).rejects.toThrow(/429 3 times/);
    } finally {
      await fake.stop();
    }
  });

  it("pages V2 collections until the 204 that ends them", async () => {
    const fake = await FakeBigCommerce.start("paging");
    try {
      for (let id = 1; id <= 5; id++) {
        fake.orders.set(id, {
          spec: { id, createdAt: new Date(Date.now() - (10 - id) * 60_000).toISOString(), lines: [] },
          statusId: 11,
          modifiedAt: new Date(Date.now() - (10 - id) * 60_000).toISOString(),
          refunds: [],
        });
      }
      const client = new BigCommerceClient({
        apiUrl: fake.apiUrl,
        storeHash: fake.storeHash,
        accessToken: fake.accessToken,
        log,
      });
      const pages: number[][] = [];
      for await (const page of client.pages("/v2/orders?sort=date_modified:asc", 2))
        pages.push(page.map((o) => (o as { id: number }).id));
      expect(pages).toEqual([[1, 2], [3, 4], [5]]);
    } finally {
      await fake.stop();
    }
  });
});

describe("configuration", () => {
  it("makes processors name BIGCOMMERCE_ACCESS_TOKEN when webhooks are set up without it", async () => {
    const { loadApis } = await import("../../processors/fetchers/index.ts");
    const env = {
      BIGCOMMERCE_STORE_HASH: "abc123",
      BIGCOMMERCE_WEBHOOK_SECRET: "sixteen-chars-secret",
      CUSTOMER_HASH_KEY: "k".repeat(32),
    };
    expect(() => loadApis(env, { customerHashKey: env.CUSTOMER_HASH_KEY, log })).toThrow(
      /BIGCOMMERCE_ACCESS_TOKEN/,
    );
    const apis = loadApis(
      { ...env, BIGCOMMERCE_ACCESS_TOKEN: "t" },
      { customerHashKey: env.CUSTOMER_HASH_KEY, log },
    );
    expect(apis.map((api) => [api.platform, api.shop])).toEqual([["bigcommerce", "abc123"]]);
  });
});
