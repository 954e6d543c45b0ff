import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createLogger } from "../../core/log.ts";
import { AdminClient, ShopifyAuthError, ShopifyGraphqlError } from "./client.ts";
import { FakeShopify } from "../../test/fakes/shopify/server.ts";
import { generateShop } from "../../test/fakes/shopify/store.ts";
import { parse } from "graphql";
import { queryCost } from "../../test/fakes/shopify/schema.ts";
import * as documents from "./graphql.ts";
import { SHOPIFY_API_VERSION } from "./index.ts";
import { ORDERS_PAGE_QUERY, OrdersPage } from "./graphql.ts";

const log = createLogger("test", "silent");
const SHOP = "client-test.myshopify.com";
let fake: FakeShopify;

beforeAll(async () => {
  // A small bucket and slow restore make throttling happen within a few requests.
  fake = new FakeShopify({
    apiKey: "key",
    apiSecret: "secret-0123456789abcdef",
    bucketSize: 300,
    restoreRate: 200,
  });
  fake.addShop(
    generateShop({ domain: SHOP, orders: 0, seed: 1 }), // orders added below with known line counts
  );
  const data = fake.shop(SHOP).data;
  const now = Date.now();
  for (let i = 0; i < 3; i++) {
    data.orders.push({
      id: BigInt(900 + i),
      createdAt: new Date(now - (i + 1) * 3_600_000).toISOString(),
      lines: [
        { id: BigInt(9000 + i * 10), priceCents: 100, quantity: 1, sku: "A" },
        { id: BigInt(9001 + i * 10), priceCents: 200, quantity: 1, sku: "B" },
      ],
    });
  }
  await fake.start();
});
afterAll(() => fake?.stop());

const client = (token: string) =>
  new AdminClient({ shop: SHOP, accessToken: token, apiUrl: fake.apiUrlTemplate, log });
const COST_QUERY = `query($first: Int!) { orders(first: $first) { nodes { id lineItems(first: 5) { nodes { id } } } } }`;
const Shape = z.object({ orders: z.object({ nodes: z.array(z.object({ id: z.string() })) }) });

async function raw(token: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${fake.url}/${SHOP}/admin/api/${SHOPIFY_API_VERSION}/graphql.json`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-shopify-access-token": token },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    errors?: { extensions: { code: string } }[];
    extensions: { cost: { requestedQueryCost: number; actualQueryCost: number | null } };
  };
}

describe("the fake's query cost (documented rules, computed by hand)", () => {
  it("charges 2 + first × node cost requested, and what was returned actually", async () => {
    const token = fake.issueToken(SHOP);
    // Requested: 2 + 10 × (1 order + (2 + 5 × 1 line)) = 82. Actual: 3 orders with 2 lines each:
    // 2 + 3 × (1 + 2 + 2 × 1) = 17.
    const answer = await raw(token, COST_QUERY, { first: 10 });
    expect(answer.extensions.cost).toMatchObject({ requestedQueryCost: 82, actualQueryCost: 17 });
  });

  it("prices every query the connect flow sends within the 1,000-point single-query limit", () => {
    const vars = {
      first: 10,
      id: "gid://shopify/Order/1",
      query: "",
      topic: "ORDERS_CREATE",
      uri: "https://x",
    };
    const priced = Object.entries(documents)
      .filter(([name, value]) => typeof value === "string" && /_(QUERY|MUTATION)$/.test(name))
      .map(
        ([name, doc]) =>
          [
            name,
            queryCost(parse(doc as string), {
              ...vars,
              first: name.startsWith("INVENTORY") ? documents.INVENTORY_PAGE_SIZE : 10,
            }),
          ] as const,
      );
    expect(priced.length).toBeGreaterThanOrEqual(8);
    for (const [name, cost] of priced) expect(cost, name).toBeLessThanOrEqual(1000);
    // Hand-computed in graphql.ts: 2 + 84 × 10 and 2 + 33 × 25.
    expect(Object.fromEntries(priced)).toMatchObject({ ORDERS_PAGE_QUERY: 842, INVENTORY_PAGE_QUERY: 827 });
  });

  it("refuses a single query over 1,000 points and a page over 250", async () => {
    const token = fake.issueToken(SHOP);
    const big = await raw(token, COST_QUERY, { first: 200 }); // 2 + 200 × 8 = 1602
    expect(big.errors?.[0]?.extensions.code).toBe("MAX_COST_EXCEEDED");
    const wide = await raw(token, `{ orders(first: 251) { nodes { id } } }`, {});
    expect(JSON.stringify(wide)).toMatch(/maximum page size is 250/);
  });
});

describe("AdminClient against the leaky bucket", () => {
  it("paces itself under the cost limit: every query succeeds, throttled answers are retried after the refill", async () => {
    const token = fake.issueToken(SHOP);
    const c = client(token);
    const throttledBefore = fake.stats.throttled;
    // 12 queries requesting 82 points each from a 300-point bucket restoring 200/s (the bucket is
    // shared with the earlier tests' token, as on Shopify: per app and shop).
    for (let i = 0; i < 12; i++) {
      const answer = await c.request(COST_QUERY, { first: 10 }, Shape);
      expect(answer.orders.nodes).toHaveLength(3);
    }
    // Spent 12 × 17 actual points; the client only waits when the bucket can't pay 82.
    expect(c.stats.actualCost).toBe(12 * 17);
    expect(fake.stats.throttled - throttledBefore).toBe(c.stats.throttled);
    // How long that takes is a figure, not a pass/fail: bench/shopify-client.ts measures it.
  });

  it("waits for exactly the missing points when another client drained the bucket", async () => {
    const token = fake.issueToken(SHOP);
    fake.shop(SHOP).available = 0;
    fake.shop(SHOP).refilledAt = Date.now();
    const c = client(token);
    const started = Date.now();
    await c.request(COST_QUERY, { first: 10 }, Shape);
    // First attempt is THROTTLED (0 < 82); the status says 82 − ~0 points at 200/s ≈ 410 ms.
    expect(c.stats.throttled).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(c.stats.waitedMs).toBeGreaterThanOrEqual(350);
  });

  it("honours Retry-After on a 429", async () => {
    const token = fake.issueToken(SHOP);
    fake.retryAfterNext = 2;
    fake.retryAfterSeconds = 1;
    const c = client(token);
    const started = Date.now();
    await c.request(COST_QUERY, { first: 1 }, Shape);
    expect(c.stats.retryAfter).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });

  it("reports a revoked token as an auth error and a bad query as a GraphQL error", async () => {
    await expect(client("shpat_revoked").request(COST_QUERY, { first: 1 }, Shape)).rejects.toBeInstanceOf(
      ShopifyAuthError,
    );
    const c = client(fake.issueToken(SHOP));
    await expect(c.request(`{ nope }`, {}, Shape)).rejects.toBeInstanceOf(ShopifyGraphqlError);
  });

  it("pages orders with the backfill query (842 points requested), and says so when a bucket can never pay for it", async () => {
    const c = client(fake.issueToken(SHOP));
    const vars = { first: 10, after: null, query: "created_at:>=2020-01-01T00:00:00Z" };
    // This test's bucket holds 300: the page can never run, and waiting forever would hide that.
    await expect(c.request(ORDERS_PAGE_QUERY, vars, OrdersPage)).rejects.toThrow(
      /requests 842 points.*never run/,
    );
    fake.options.bucketSize = 2000; // Standard plan
    fake.shop(SHOP).available = 2000;
    const page = await c.request(ORDERS_PAGE_QUERY, vars, OrdersPage);
    expect(page.orders.nodes).toHaveLength(3);
    expect(c.throttleStatus?.maximumAvailable).toBe(2000);
  });
});
