import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../core/events.ts";
import { jetStreamPublisher } from "../ingest/publish.ts";
import { renderQuery } from "../grafana/interpolate.ts";
import { LAST_WEBHOOK_BY_SHOP, ONE_SHOP_LAST_WEBHOOK } from "../grafana/sql/data-health.ts";
import { receiptsWritten } from "./support/receipts-written.ts";
import { settled } from "./support/settled.ts";
import { orderPayload, ShopifyWebhookSender, type OrderSpec } from "./support/shopify-webhooks.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";

/**
 * "Last webhook received" on the real pipeline: signed webhooks through ingest, JetStream and the
 * processors into `webhook_receipts`, then the Data health panel's SQL (and Live sales' one-shop
 * row) as Grafana sends it. Expected times are the bounds of each shop's last delivery as this test
 * saw it sent and answered; orders read from an API (published like the catch-up does) never count.
 */

const A = "receipts-a.myshopify.com";
const B = "receipts-b.myshopify.com";
const API_ONLY = "receipts-api.myshopify.com";

let stack: Awaited<ReturnType<typeof startTestStack>>;
let nc: NatsConnection;
/** Per shop, when its last webhook was sent and when ingest answered it. */
const lastSent = new Map<string, { from: number; to: number }>();

const order = (id: bigint, minutesAgo: number): OrderSpec => ({
  id,
  createdAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
  lines: [{ id: id * 10n, priceCents: 1250, quantity: 1, sku: "MUG" }],
});

async function deliver(shop: string, spec: OrderSpec) {
  const sender = new ShopifyWebhookSender(stack.ingestUrl, TEST_SECRETS.SHOPIFY_API_SECRET, shop);
  const from = Date.now();
  const answer = await sender.deliver("orders/create", orderPayload(spec));
  expect(answer.status).toBe(200);
  lastSent.set(shop, { from, to: Date.now() });
}

/** An order as the catch-up publishes it: read from the API, so not a webhook receipt. */
function apiEvent(shop: string, id: string): CanonicalEvent {
  const at = new Date().toISOString();
  return {
    v: 1,
    platform: "shopify",
    shop,
    eventId: `backfill:order:${id}:${at}`,
    receivedAt: at,
    type: "order",
    order: {
      orderId: id,
      orderNumber: null,
      createdAt: at,
      updatedAt: at,
      cancelledAt: null,
      status: "sale",
      financialStatus: "paid",
      currency: "USD",
      totalMinor: 900,
      subtotalMinor: 900,
      taxMinor: 0,
      discountMinor: 0,
      shippingMinor: 0,
      test: false,
      customerKey: null,
      lines: [],
    },
  };
}

beforeAll(async () => {
  stack = await startTestStack();
  nc = await connect({ servers: stack.natsUrl });
  await deliver(A, order(7_100_000_000_001n, 30));
  await deliver(B, order(7_100_000_000_002n, 20));
  await deliver(A, order(7_100_000_000_003n, 10));
  // After A's last webhook: the catch-up re-reads an order of A, and one of a shop that sent none.
  await jetStreamPublisher(
    jetstream(nc),
    10_000,
  )([apiEvent(A, "7100000000004"), apiEvent(API_ONLY, "7100000000005")]);
  await settled(stack.natsUrl, stack.db, ["orders", "webhook_receipts"]);
  await receiptsWritten(stack.db, new Map([A, B].map((shop) => [shop, lastSent.get(shop)!.from])));
}, 300_000);
afterAll(async () => {
  await nc?.close();
  await stack?.stop();
});

type Receipt = {
  platform: string;
  shop: string;
  last_webhook: string;
  age_seconds: number;
  last_type: string;
};

/** The row's time is within the shop's last delivery, and its age is now less that time. */
function expectReceipt(row: Receipt | undefined, shop: string, queriedFrom: number, queriedTo: number) {
  const sent = lastSent.get(shop)!;
  const at = Date.parse(row!.last_webhook);
  expect(at, shop).toBeGreaterThanOrEqual(sent.from);
  expect(at, shop).toBeLessThanOrEqual(sent.to);
  // datediff counts whole seconds between the receipt and QuestDB's now(), taken during the query.
  expect(row!.age_seconds, shop).toBeGreaterThanOrEqual(Math.floor((queriedFrom - at) / 1000) - 1);
  expect(row!.age_seconds, shop).toBeLessThanOrEqual(Math.ceil((queriedTo - at) / 1000) + 1);
}

describe("Data health's last webhook received per shop", () => {
  const range = { from: new Date(Date.now() - 86_400_000), to: new Date(), maxDataPoints: 1000 };

  it("lists the shops that sent webhooks, the quietest first, each at its last delivery", async () => {
    const chosen = { variables: { platform: ["shopify"], shop: [A, B, API_ONLY] }, allSelected: [] };
    const queriedFrom = Date.now();
    const rows = await stack.db.rows<Receipt>(renderQuery(LAST_WEBHOOK_BY_SHOP, { ...range, ...chosen }));
    const queriedTo = Date.now();
    // B's one webhook came before A's second; the shop read only through the API has none.
    expect(rows.map((r) => [r.platform, r.shop, r.last_type])).toEqual([
      ["shopify", B, "order"],
      ["shopify", A, "order"],
    ]);
    expectReceipt(rows[0], B, queriedFrom, queriedTo);
    // A's order re-read from the API after its last webhook did not move A's time.
    expectReceipt(rows[1], A, queriedFrom, queriedTo);
  });

  it("reads every shop with All chosen, and one shop on Live sales' row", async () => {
    const all = await stack.db.rows<Receipt>(
      renderQuery(LAST_WEBHOOK_BY_SHOP, {
        ...range,
        variables: { platform: [], shop: [] },
        allSelected: ["platform", "shop"],
      }),
    );
    expect(all.map((r) => r.shop)).toEqual([B, A]);

    const queriedFrom = Date.now();
    const [one, ...more] = await stack.db.rows<Receipt>(
      renderQuery(ONE_SHOP_LAST_WEBHOOK, { ...range, variables: { shop_platform: "shopify", shop: A } }),
    );
    expect(more).toEqual([]);
    expectReceipt({ ...one!, platform: "shopify", shop: A, last_type: "order" }, A, queriedFrom, Date.now());
    expect(
      await stack.db.rows(
        renderQuery(ONE_SHOP_LAST_WEBHOOK, {
          ...range,
          variables: { shop_platform: "shopify", shop: API_ONLY },
        }),
      ),
    ).toEqual([]);
  });
});
