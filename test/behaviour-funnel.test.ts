import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderQuery } from "../grafana/interpolate.ts";
import { FUNNEL } from "../grafana/sql/behaviour.ts";
import { sessionConversionToday } from "../grafana/sql/session-conversion.ts";
import { checkoutPayload } from "./sales-fixtures.ts";
import { eventually } from "./support/eventually.ts";
import { orderPayload, ShopifyWebhookSender } from "./support/shopify-webhooks.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";

/**
 * The funnel (Customer behaviour) and orders ÷ sessions (Live sales) on real data: beacons posted
 * to a running behaviour process as the SDK posts them, page views tagged by Shopify's default URL patterns,
 * checkout and order webhooks signed as Shopify signs them; the panels' SQL then runs on QuestDB.
 * The expected figures are counted from the visits below by hand.
 */
const SITE = "funnel-store";
const SHOP = "funnel-store.myshopify.com";
const ORIGIN = "https://funnel-store.example";
const BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const PERSON_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36";

// Each visit is one session's pages, in order.
const VISITS: { pages: string[]; ua?: string }[] = [
  { pages: ["/products/mug", "/cart", "/checkouts/cn/abc"] },
  { pages: ["/collections/all/products/mug", "/cart"] },
  { pages: ["/products/teapot", "/products/mug", "/cart/"] },
  { pages: ["/products/mug?utm_source=mail"] },
  { pages: ["/products/saucer"] },
  { pages: ["/pages/about"] },
  { pages: ["/products/mug", "/cart", "/checkout"], ua: BOT_UA },
];
// By hand: product pages in sessions 1–5 (5), the cart in 1–3 (3), a checkout page in 1 (1); the
// bot's session counts nowhere. Two checkouts started and one order, from the shop's webhooks.
const EXPECTED_FUNNEL = { "Product page": 5, Cart: 3, Checkout: 2, Order: 1 };
const HUMAN_SESSIONS = 6;

let stack: Awaited<ReturnType<typeof startTestStack>>;
const hex = () => randomBytes(12).toString("hex");

async function visit(pages: string[], ua: string): Promise<void> {
  const session = hex();
  for (const path of pages) {
    const now = Date.now();
    const response = await fetch(`${stack.behaviourUrl}/collect`, {
      method: "POST",
      headers: { "content-type": "text/plain", origin: ORIGIN, "user-agent": ua },
      body: JSON.stringify({
        site: SITE,
        session,
        view: hex(),
        seq: 0,
        path,
        vw: 1280,
        vh: 800,
        start: now - 3000,
        sent: now,
        events: [{ k: "scroll", at: now - 100, depth: 900, height: 2400 }],
      }),
    });
    expect(response.status).toBe(202);
  }
}

beforeAll(async () => {
  stack = await startTestStack({
    BEHAVIOUR_SITES: JSON.stringify({ [SITE]: { shop: SHOP, platform: "shopify", origins: [ORIGIN] } }),
    SHOP_TIMEZONES: JSON.stringify({ [SHOP]: "UTC" }),
  });
  for (const { pages, ua } of VISITS) await visit(pages, ua ?? PERSON_UA);
  const shopify = new ShopifyWebhookSender(stack.ingestUrl, TEST_SECRETS.SHOPIFY_API_SECRET, SHOP);
  const minuteAgo = Date.now() - 60_000;
  for (const id of [1n, 2n]) {
    const sent = await shopify.deliver(
      "checkouts/create",
      checkoutPayload({ id, createdMs: minuteAgo, totalCents: 2500 }, "USD"),
    );
    expect(sent.status).toBe(200);
  }
  const order = orderPayload({
    id: 9001n,
    createdAt: new Date(minuteAgo).toISOString(),
    lines: [{ id: 1n, priceCents: 2500, quantity: 1, sku: "MUG" }],
  });
  expect((await shopify.deliver("orders/create", order)).status).toBe(200);
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

describe("the funnel and orders ÷ sessions", () => {
  const range = () => ({ from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) });

  it("counts sessions per step by the site's URL patterns, and the shop's checkouts and orders", async () => {
    for (const allSelected of [[], ["site"]]) {
      const sql = renderQuery(FUNNEL, {
        ...range(),
        maxDataPoints: 60,
        variables: { site: [SITE] },
        allSelected,
      });
      await eventually(async () => expect(await stack.db.rows(sql)).toEqual([EXPECTED_FUNNEL]));
    }
  });

  it("divides today's orders by today's sessions on the shop's sites (Live sales)", async () => {
    const sql = renderQuery(sessionConversionToday(), {
      ...range(),
      maxDataPoints: 60,
      variables: { shop: SHOP, shop_platform: "shopify", tz: "UTC", minor: "100" },
    });
    await eventually(async () =>
      expect(await stack.db.rows(sql)).toEqual([{ "Orders ÷ sessions": 1 / HUMAN_SESSIONS }]),
    );
  });

  it("tags nothing for a shop no site names: the tile has no value rather than 0 %", async () => {
    const sql = renderQuery(sessionConversionToday(), {
      ...range(),
      maxDataPoints: 60,
      variables: { shop: "elsewhere.myshopify.com", shop_platform: "shopify", tz: "UTC", minor: "100" },
    });
    expect(await stack.db.rows(sql)).toEqual([{ "Orders ÷ sessions": null }]);
  });
});
