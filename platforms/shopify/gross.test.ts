import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import { FakeShopify } from "../../test/fakes/shopify/server.ts";
import { generateShop } from "../../test/fakes/shopify/store.ts";
import { orderTotals } from "../../test/support/shopify-webhooks.ts";
import { salesSearch, shopifyApi } from "./api.ts";
import { AdminClient } from "./client.ts";
import { grossOfSearch } from "./gross.ts";

/**
 * Shopify's gross of a day, against the fake Admin GraphQL (its documented cost, paging and search):
 * expected figures are the specs' own totals, filtered by hand as Shopify's search filters them.
 */

const log = createLogger("test", "silent");
const SHOP = "gross-test.myshopify.com";
const DAY = 86_400_000;
let fake: FakeShopify;

// 600 orders over 2 days: a day holds about 300, more than one page of 250.
const now = Date.now();
const data = generateShop({ domain: SHOP, orders: 600, days: 2, now, seed: 1313 });
const window = { from: new Date(now - 2 * DAY), to: new Date(now - DAY / 4) };
const inWindow = data.orders.filter((o) => {
  const at = Date.parse(o.createdAt);
  return at >= window.from.getTime() && at < window.to.getTime();
});
const sales = inWindow.filter((o) => !o.test && !o.cancelledAt);

beforeAll(async () => {
  // A bucket that holds two pages: the third has to wait for points instead of being throttled.
  fake = new FakeShopify({ apiKey: "k", apiSecret: "s".repeat(32), bucketSize: 1600, restoreRate: 400 });
  fake.addShop(data);
  await fake.start();
});
afterAll(() => fake?.stop());

const client = () =>
  new AdminClient({ shop: SHOP, accessToken: fake.issueToken(SHOP), apiUrl: fake.apiUrlTemplate, log });

describe("Shopify's gross of a day's sales", () => {
  it("pages the day's totals and adds them, test and cancelled orders left out", async () => {
    expect(sales.length).toBeGreaterThan(250);
    expect(inWindow.length).toBeGreaterThan(sales.length);
    const admin = client();
    const gross = await grossOfSearch(admin, salesSearch(window), log);
    expect(gross).toBe(sales.reduce((sum, o) => sum + orderTotals(o).total, 0));
    expect(admin.stats.requests).toBe(Math.ceil(sales.length / 250));
    expect(fake.stats.throttled).toBe(0);
  });

  it("is left out (null), not summed in part, when the day is over its page bound", async () => {
    const admin = client();
    const gross = await grossOfSearch(admin, salesSearch(window), log, { maxPages: 1, budgetMs: 60_000 });
    expect(gross).toBeNull();
    // One page read (a first request may meet the bucket the test before emptied, and be throttled).
    expect(admin.stats.requests - admin.stats.throttled).toBe(1);
  });

  it("comes with the count: the reconciliation's figures for the day", async () => {
    const api = shopifyApi(
      { shop: SHOP, accessToken: fake.issueToken(SHOP), apiUrl: fake.apiUrlTemplate },
      { customerHashKey: "k".repeat(32), log },
    );
    expect(await api.countOrders!(window)).toEqual({
      orders: sales.length,
      grossMinor: sales.reduce((sum, o) => sum + orderTotals(o).total, 0),
    });
    // A day without sales costs no paging: its gross is 0.
    const empty = { from: new Date(now - 10 * DAY), to: new Date(now - 9 * DAY) };
    expect(await api.countOrders!(empty)).toEqual({ orders: 0, grossMinor: 0 });
  });
});
