import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats } from "../core/nats.ts";
import { createLogger } from "../core/log.ts";
import { sqlString } from "../core/questdb.ts";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { Connections, CONNECTIONS_BUCKET } from "../platforms/connections.ts";
import { ShopifyCredentials } from "../platforms/shopify/api.ts";
import { ApiRegistry } from "../processors/fetchers/registry.ts";
import { parseKey } from "../core/seal.ts";
import { FakeShopify } from "./fakes/shopify/server.ts";
import { expectedTotals, generateShop } from "./fakes/shopify/store.ts";
import { eventually } from "./support/eventually.ts";
import { settled } from "./support/settled.ts";
import { orderPayload, refundPayload, type OrderSpec } from "./support/shopify-webhooks.ts";
import { connectShop, progress, TEST_CONNECT_ENV, waitForProgress } from "./support/shopify-connect.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";

/**
 * The connect flow end to end against real NATS, QuestDB, ingest, processors and the connect
 * service, with the fake Shopify standing in for shops. Sizes scale with CONNECT_TEST_ORDERS.
 */

const ORDERS = Number(process.env.CONNECT_TEST_ORDERS ?? 2000);
const BULK = "bulk-shop.myshopify.com";
const PAGED = "paged-shop.myshopify.com";
const LEAVER = "leaver-shop.myshopify.com";

const log = createLogger("test", "silent");
let stack: Awaited<ReturnType<typeof startTestStack>>;
let fake: FakeShopify;
let connectUrl: string;

beforeAll(async () => {
  // Standard plan (100 points/s into 2,000), the clock 20× faster so paging 600 orders takes seconds.
  fake = new FakeShopify({
    apiKey: TEST_CONNECT_ENV.SHOPIFY_API_KEY,
    apiSecret: TEST_SECRETS.SHOPIFY_API_SECRET,
    speed: 20,
  });
  fake.addShop(
    generateShop({ domain: BULK, orders: ORDERS, seed: 11, currency: "EUR", timezone: "Europe/Berlin" }),
  );
  fake.addShop(generateShop({ domain: PAGED, orders: Math.round(ORDERS * 0.3), seed: 12 }));
  fake.addShop(generateShop({ domain: LEAVER, orders: ORDERS * 2, seed: 13 }));
  await fake.start();
  // The processors' catch-up now finds these shops too (their tokens are connections): one round at
  // start-up, before any shop connects, then none during the test, so the request counts below are the history's.
  stack = await startTestStack({
    ...TEST_CONNECT_ENV,
    SHOPIFY_API_URL: fake.apiUrlTemplate,
    CATCHUP_INTERVAL_MS: "3600000",
  });
  connectUrl = stack.connectUrl!;
  fake.options.complianceUri = `${connectUrl}/webhooks/shopify/app`;
}, 300_000);
afterAll(async () => {
  await stack?.stop();
  await fake?.stop();
});

/** The `connections` bucket as the connect service and the processors read it. */
async function withConnections(use: (connections: Connections) => Promise<void>) {
  const nc = await connectNats(stack.natsUrl, "test-kv", log);
  try {
    const kv = await new Kvm(jetstream(nc)).create(CONNECTIONS_BUCKET, { history: 5 });
    await use(new Connections(kv, parseKey(TEST_CONNECT_ENV.TOKEN_ENCRYPTION_KEY)));
  } finally {
    await nc.close();
  }
}

const connectLog = () => readFileSync(join(stack.dir, "connect.log"), "utf8");
/** The line the backfill job itself logs when it ends because it was stopped (pino's JSON). */
const backfillStopped = (shop: string) =>
  new RegExp(`"shop":"${shop.replaceAll(".", "\\.")}"[^\\n]*"msg":"backfill stopped"`);

async function questdbTotals(shop: string) {
  const [orders] = (
    await stack.db.exec<[number, number]>(
      `SELECT count(), sum(total_minor) FROM orders WHERE shop = ${sqlString(shop)}`,
    )
  ).dataset;
  const [lines] = (
    await stack.db.exec<[number]>(`SELECT count() FROM order_lines WHERE shop = ${sqlString(shop)}`)
  ).dataset;
  return { orders: orders?.[0] ?? 0, revenue: orders?.[1] ?? 0, lines: lines?.[0] ?? 0 };
}

describe("errors a person understands", () => {
  it("a bad domain gets the connect page back with an explanation (400)", async () => {
    const attempt = await connectShop(connectUrl, "not a store!");
    expect(attempt.status).toBe(400);
    expect(attempt.body).toContain("a Shopify store address");
    expect(attempt.body).toContain('id="error"');
    const other = await connectShop(connectUrl, "evil.example.com");
    expect(other.status).toBe(400);
  });

  it("a denied approval says nothing was connected (403), and nothing was", async () => {
    const attempt = await connectShop(connectUrl, BULK, { decision: "cancel" });
    expect(attempt.status).toBe(403);
    expect(attempt.body).toContain("Nothing was connected");
    expect((await fetch(`${connectUrl}/stores/shopify/${BULK}/progress`)).status).toBe(404);
  });

  it("an expired state (the one-minute cookie gone) asks to start again", async () => {
    const attempt = await connectShop(connectUrl, BULK, {
      tamper: (_url, jar) => Object.assign(jar, { header: () => "" }),
    });
    expect(attempt.status).toBe(400);
    expect(attempt.body).toContain("This connect link expired");
  });

  it("a forged callback (HMAC of another secret) is refused", async () => {
    const attempt = await connectShop(connectUrl, BULK, {
      tamper: (url) => url.searchParams.set("hmac", "0".repeat(64)),
    });
    expect(attempt.status).toBe(400);
    expect(attempt.body).toContain("verify Shopify");
    expect(fake.shop(BULK).subscriptions).toHaveLength(0);
  });
});

describe("connecting a shop (bulk export)", () => {
  const data = () => fake.shop(BULK).data;

  it("lands on the status page, subscribes the webhooks and records currency and time zone", async () => {
    const attempt = await connectShop(connectUrl, "bulk-shop"); // the bare name is completed
    expect(attempt.status).toBe(302);
    expect(attempt.location).toBe(`/stores/shopify/${BULK}`);
    const subs = fake.shop(BULK).subscriptions;
    expect(subs.map((s) => s.topic).sort()).toEqual(
      [
        "APP_UNINSTALLED",
        "INVENTORY_LEVELS_UPDATE",
        "ORDERS_CANCELLED",
        "ORDERS_CREATE",
        "ORDERS_PAID",
        "ORDERS_UPDATED",
        "PRODUCTS_UPDATE",
        "REFUNDS_CREATE",
      ].sort(),
    );
    for (const s of subs) {
      expect(s.uri).toBe(
        s.topic === "APP_UNINSTALLED"
          ? `${connectUrl}/webhooks/shopify/app`
          : `${stack.ingestUrl}/webhooks/shopify`,
      );
    }
    const p = await progress(connectUrl, BULK);
    expect(p).toMatchObject({ currency: "EUR", timezone: "Europe/Berlin" });
    // Another browser (no cookie from the callback) sees neither the page nor the figures.
    expect((await fetch(`${connectUrl}/stores/shopify/${BULK}/progress`)).status).toBe(403);
    const page = await fetch(`${connectUrl}/stores/shopify/${BULK}`);
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("browser that connected");
    expect(fake.shop(BULK).scopes).toBe("read_orders,read_products,read_inventory");
    // The processors learn the store's zone and currency from the canonical shop event sent at install.
    await eventually(async () => {
      const rows = await stack.db.rows(
        `SELECT timezone, currency FROM shops WHERE shop = ${sqlString(BULK)}`,
      );
      expect(rows).toEqual([{ timezone: "Europe/Berlin", currency: "EUR" }]);
    });
  });

  it("keeps the token sealed in the shop's connection, where every store's keys are", async () => {
    await withConnections(async (connections) => {
      const token = [...fake.shop(BULK).tokens][0]!;
      const connection = (await connections.get("shopify", BULK))!;
      expect(connections.openCredentials(connection, ShopifyCredentials)).toEqual({
        shop: BULK,
        accessToken: token,
        apiUrl: fake.apiUrlTemplate,
      });
      expect(connection.credentials).not.toContain(token.slice(6));
      expect(connection).toMatchObject({ currency: "EUR", timezone: "Europe/Berlin" });
      // The fetchers' registry builds the shop's API from there, as the processors' catch-up does.
      const registry = new ApiRegistry([]);
      const following = new AbortController();
      await registry.follow(connections, { customerHashKey: "k".repeat(32), log }, following.signal);
      try {
        expect(await registry.get("shopify", BULK)!.shopInfo!()).toMatchObject({ currency: "EUR" });
      } finally {
        following.abort();
      }
    });
  });

  it("backfills every order of the last 60 days exactly once, with live webhooks arriving meanwhile", async () => {
    // A new order placed during the backfill and a re-sent update of a backfilled one.
    const fresh: OrderSpec = {
      id: 5_199_999_000_001n,
      createdAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      currency: "EUR",
      lines: [{ id: 17_999_999_000_001n, priceCents: 4200, quantity: 1, sku: "SKU-LIVE" }],
    };
    const [delivered] = await fake.placeOrder(BULK, fresh);
    expect(delivered?.status).toBe(200);
    const again = await fake.deliver(BULK, "orders/updated", orderPayload(data().orders[0]!));
    expect(again[0]?.status).toBe(200);

    const done = await waitForProgress(connectUrl, BULK, (p) => p.phase === "done", 90_000);
    expect(done.percent).toBe(100);
    expect(done.dashboardUrl).toContain(encodeURIComponent(BULK));
    expect(done.stock.levels).toBe(data().levels.length);

    const want = expectedTotals(data().orders); // includes the live order
    await eventually(async () => expect(await questdbTotals(BULK)).toEqual(want), { timeoutMs: 30_000 });
    expect(want.orders).toBe(ORDERS + 1);
    // Nothing extra turns up later: once every consumer has caught up with all connect published
    // (the job is done, so it publishes no more), the totals are final.
    await settled(stack.natsUrl, stack.db, ["orders", "order_lines"]);
    expect(await questdbTotals(BULK)).toEqual(want);
  });
});

describe("paging under the cost limit, surviving a crash", () => {
  it("falls back to paginated queries when the bulk export fails, and resumes after a kill", async () => {
    fake.failNextBulk = true;
    expect((await connectShop(connectUrl, PAGED)).status).toBe(302);
    const before = await waitForProgress(
      connectUrl,
      PAGED,
      (p) => p.orders.published > 0 && p.percent >= 25,
      60_000,
    );
    expect(before.phase).toBe("orders");
    await stack.connect!.kill(); // SIGKILL: nothing drains
    const requestsAtKill = fake.requestsByShop.get(PAGED)!;
    await stack.connect!.start();
    const done = await waitForProgress(connectUrl, PAGED, (p) => p.phase === "done", 90_000);
    // Resumed from the checkpoint, not from the start: after the restart only the pages not yet
    // published were fetched (10 orders a page; the page in flight at the kill may be fetched again),
    // then the inventory (25 items a page). Starting over would fetch every page again.
    const total = fake.shop(PAGED).data.orders.length;
    const remainingPages = Math.ceil((total - before.orders.published) / 10);
    const inventoryPages = Math.ceil(fake.shop(PAGED).data.variants.length / 25);
    const requestsAfter = fake.requestsByShop.get(PAGED)! - requestsAtKill;
    expect(requestsAfter).toBeGreaterThanOrEqual(inventoryPages + 1);
    expect(requestsAfter).toBeLessThanOrEqual(remainingPages + inventoryPages + 3);
    expect(done.orders.published).toBeGreaterThanOrEqual(total);

    const want = expectedTotals(fake.shop(PAGED).data.orders);
    await eventually(async () => expect(await questdbTotals(PAGED)).toEqual(want), { timeoutMs: 30_000 });
  });
});

describe("uninstall and privacy", () => {
  it("app/uninstalled stops the shop's backfill at once and drops its token", async () => {
    fake.failNextBulk = true; // paged, so it is still running when the owner leaves
    expect((await connectShop(connectUrl, LEAVER)).status).toBe(302);
    await waitForProgress(connectUrl, LEAVER, (p) => p.orders.published > 0, 60_000);
    const [answer] = await fake.uninstall(LEAVER);
    expect(answer?.status).toBe(200);
    const stopped = await waitForProgress(connectUrl, LEAVER, (p) => p.phase === "stopped");
    expect(stopped.status).toBe("disconnected");
    const requests = fake.requestsByShop.get(LEAVER);
    // The uninstall answer waited for the job to end; its own log line says it ended by the stop,
    // and with the token dropped nothing can restart it: the count is final.
    await eventually(async () => expect(connectLog()).toMatch(backfillStopped(LEAVER)));
    expect(fake.requestsByShop.get(LEAVER)).toBe(requests);
    await withConnections(async (connections) => {
      expect(await connections.get("shopify", LEAVER)).toMatchObject({
        status: "disconnected",
        credentials: "",
      });
    });
  });

  it("compliance webhooks with a bad HMAC get 401", async () => {
    for (const topic of ["customers/data_request", "customers/redact", "shop/redact"] as const) {
      const answer = await fake.compliance(topic, BULK, { signature: "bm90LXRoZS1zaWduYXR1cmU=" });
      expect(answer.status, topic).toBe(401);
    }
  });

  it("customers/data_request is answered (we hold no personal data); customers/redact clears the customer's key", async () => {
    expect((await fake.compliance("customers/data_request", BULK)).status).toBe(200);
    const withCustomer = fake.shop(BULK).data.orders.find((o) => o.customerId)!;
    const ordersOfCustomer = fake
      .shop(BULK)
      .data.orders.filter((o) => o.customerId === withCustomer.customerId);
    const where = `shop = ${sqlString(BULK)} AND order_id IN (${ordersOfCustomer.map((o) => sqlString(String(o.id))).join(",")})`;
    const keyed = await stack.db.exec<[number]>(
      `SELECT count() FROM orders WHERE ${where} AND customer_key IS NOT NULL`,
    );
    expect(keyed.dataset[0]![0]).toBe(ordersOfCustomer.length);
    const allKeyed = async () =>
      (
        await stack.db.exec<[number]>(
          `SELECT count() FROM orders WHERE shop = ${sqlString(BULK)} AND customer_key IS NOT NULL`,
        )
      ).dataset[0]![0];
    const keyedBefore = await allKeyed();
    expect(
      (await fake.compliance("customers/redact", BULK, { customerId: withCustomer.customerId! })).status,
    ).toBe(200);
    await eventually(async () => {
      const left = await stack.db.exec<[number]>(
        `SELECT count() FROM orders WHERE ${where} AND customer_key IS NOT NULL`,
      );
      expect(left.dataset[0]![0]).toBe(0);
    });
    // Only that customer's key went; the sales figures stay.
    expect(await allKeyed()).toBe(keyedBefore - ordersOfCustomer.length);
    expect((await questdbTotals(BULK)).orders).toBe(ORDERS + 1);
  });

  it("shop/redact removes the shop's orders, lines and refunds and leaves other shops' rows alone", async () => {
    const refund = refundPayload({
      id: 880_001n,
      orderId: fake.shop(PAGED).data.orders[0]!.id,
      createdAt: fake.shop(PAGED).data.orders[0]!.createdAt,
      amountCents: 500,
    });
    // The subscription was made at install; deliver a refund so the refunds table holds the shop too.
    const delivered = await fake.deliver(PAGED, "refunds/create", refund);
    expect(delivered[0]?.status).toBe(200);
    await eventually(async () => {
      const r = await stack.db.exec<[number]>(`SELECT count() FROM refunds WHERE shop = ${sqlString(PAGED)}`);
      expect(r.dataset[0]![0]).toBe(1);
    });
    const bulkBefore = await questdbTotals(BULK);
    for (const table of ["sales_facts", "sales_1m", "shops"]) {
      const r = await stack.db.exec<[number]>(
        `SELECT count() FROM ${table} WHERE shop = ${sqlString(PAGED)}`,
      );
      expect(r.dataset[0]![0], `${table} held the shop before`).toBeGreaterThan(0);
    }

    expect((await fake.compliance("shop/redact", PAGED)).status).toBe(200);
    await eventually(
      async () => {
        expect(await questdbTotals(PAGED)).toMatchObject({ orders: 0, lines: 0 });
        for (const table of ["refunds", "sales_facts", "sales_1m", "shops"]) {
          const r = await stack.db.exec<[number]>(
            `SELECT count() FROM ${table} WHERE shop = ${sqlString(PAGED)}`,
          );
          expect(r.dataset[0]![0], table).toBe(0);
        }
      },
      { timeoutMs: 40_000 },
    );
    expect(await questdbTotals(BULK)).toEqual(bulkBefore);
    expect((await fetch(`${connectUrl}/stores/shopify/${PAGED}/progress`)).status).toBe(404);
  });
});
