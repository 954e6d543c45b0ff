import { readFileSync } from "node:fs";
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderQuery } from "../grafana/interpolate.ts";
import {
  EXCEPTIONS_AND_RETURNS,
  LATE_PARCELS,
  TIME_TO_DELIVER,
  COST_VS_CHARGED,
} from "../grafana/sql/fulfilment.ts";
import { ORDER_JOURNEY } from "../grafana/sql/journey.ts";
import {
  capture,
  FakePayPalCerts,
  makeCertificates,
  paypalHeaders,
  webhookEvent,
} from "./fakes/paypal/paypal.ts";
import { FakeShipStation, type FakeShipment } from "./fakes/shipstation/server.ts";
import { FakeShippo, type FakeLabel } from "./fakes/shippo/server.ts";
import { charge, deliver, event, newSecret } from "./fakes/stripe/stripe.ts";
import { eventually } from "./support/eventually.ts";
import { orderPayload, ShopifyWebhookSender } from "./support/shopify-webhooks.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";

/**
 * Orders joined across the whole chain by the one order-reference rule: a Shopify order paid through
 * PayPal (`invoice_id`) and shipped by ShipStation (`orderNumber` without `#`); a WooCommerce order
 * paid through Stripe (`metadata.order_id`), labelled and tracked to the door by Shippo (`metadata`
 * "Order #4242"); a Shopify order nobody paid or shipped. Every expected time is one we sent.
 */

const SS_TOKEN = "ss-hook-token-0123456789abcdef";
const SHIPPO_TOKEN = "shippo-hook-token-0123456789abcdef";
const WOO_SECRET = "woo-webhook-secret-0123456789";
const PAYPAL_HOOK = "8PT597110X687430LKGECATA";
const STRIPE_SECRET = newSecret();
const SHOPIFY_SHOP = "metricsdash-test.myshopify.com";
const hour = 3_600_000;
const now = Math.floor(Date.now() / 1000) * 1000;
const at = (hoursAgo: number) => new Date(now - hoursAgo * hour).toISOString().replace(".000Z", "Z");

let stack: Awaited<ReturnType<typeof startTestStack>>;
let ss: FakeShipStation;
let shippo: FakeShippo;
let certsServer: FakePayPalCerts;
const certs = makeCertificates();

beforeAll(async () => {
  ss = await FakeShipStation.start();
  shippo = await FakeShippo.start();
  certsServer = await FakePayPalCerts.start();
  stack = await startTestStack({
    SHOP_TIMEZONES: JSON.stringify({ [SHOPIFY_SHOP]: "America/New_York", "woo.example": "Europe/Berlin" }),
    WOOCOMMERCE_WEBHOOK_SECRET: WOO_SECRET,
    WOOCOMMERCE_STORE_URL: "https://woo.example/",
    STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
    PAYPAL_WEBHOOK_ID: PAYPAL_HOOK,
    PAYPAL_CERT_BASE_URL: certsServer.origin,
    PAYPAL_CERT_CA: certs.caPem,
    SHIPSTATION_WEBHOOK_TOKEN: SS_TOKEN,
    SHIPSTATION_API_KEY: ss.apiKey,
    SHIPSTATION_API_SECRET: ss.apiSecret,
    SHIPSTATION_API_URL: ss.apiUrl,
    SHIPPO_WEBHOOK_TOKEN: SHIPPO_TOKEN,
  });
});
afterAll(async () => {
  await stack?.stop();
  await ss?.stop();
  await shippo?.stop();
  await certsServer?.stop();
});

async function sendOrders(): Promise<void> {
  const shopify = new ShopifyWebhookSender(stack.ingestUrl, TEST_SECRETS.SHOPIFY_API_SECRET);
  // Shopify numbers these #43501 and #43502 (1000 + id mod 100000).
  for (const [id, hoursAgo] of [
    [42501n, 30],
    [42502n, 20],
  ] as const) {
    const payload = orderPayload({
      id,
      createdAt: at(hoursAgo),
      lines: [{ id: id * 10n, priceCents: 2500, quantity: 1 }],
    });
    expect((await shopify.deliver("orders/create", payload)).status).toBe(200);
  }
  // WooCommerce order 4242, created 2026-11-25T14:30:00Z (the example file, sent byte for byte).
  const woo = readFileSync("examples/woocommerce-order-created.json");
  const response = await fetch(`${stack.ingestUrl}/webhooks/woocommerce`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-wc-webhook-source": "https://woo.example/",
      "x-wc-webhook-topic": "order.created",
      "x-wc-webhook-signature": createHmac("sha256", WOO_SECRET).update(woo).digest("base64"),
    },
    body: woo,
  });
  expect(response.status).toBe(200);
}

async function sendPayments(): Promise<void> {
  // #43501 paid through PayPal 30 minutes after ordering; the order's number as invoice_id.
  const certUrl = certsServer.serve(certs.leafPem);
  const body = webhookEvent(
    "PAYMENT.CAPTURE.COMPLETED",
    capture({ id: "CAP-J1", currency: "USD", value: "25.00", invoiceId: "#43501", createTime: at(29.5) }),
    at(29.5),
  );
  const headers = paypalHeaders(JSON.stringify(body), {
    webhookId: PAYPAL_HOOK,
    certUrl,
    keyPem: certs.leafKeyPem,
  });
  expect(
    (
      await fetch(`${stack.ingestUrl}/webhooks/paypal`, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
      })
    ).status,
  ).toBe(200);
  // Woo 4242 paid through Stripe ten minutes after ordering; WooCommerce's gateway sets metadata.order_id.
  const paidAt = Date.parse("2026-11-25T14:40:00Z") / 1000;
  const stripeCharge = charge({
    amount: 11429,
    currency: "usd",
    created: paidAt,
    metadata: { order_id: "4242", site_url: "https://woo.example/" },
  });
  expect(
    (
      await deliver(`${stack.ingestUrl}/webhooks/stripe`, event("charge.succeeded", stripeCharge, paidAt), {
        secrets: [STRIPE_SECRET],
      })
    ).status,
  ).toBe(200);
}

const wooLabel: FakeLabel = {
  objectId: "tx_journey_4242",
  createdAt: "2026-11-26T09:00:00Z",
  metadata: "Order #4242",
  amount: "4.75",
  currency: "USD",
  provider: "UPS",
  servicelevelToken: "ups_ground",
  trackingNumber: "1ZJOURNEY4242",
};

async function sendShipments(): Promise<void> {
  // #43501 labelled in ShipStation 6 hours after ordering (its Shopify import sends the number without #).
  const label: FakeShipment = {
    shipmentId: 77001,
    batchId: 7700,
    orderNumber: "43501",
    createdAt: new Date(now - 24 * hour).toISOString(),
    shipDate: new Intl.DateTimeFormat("en-CA", { timeZone: "America/Los_Angeles" }).format(
      new Date(now - 24 * hour),
    ),
    cost: 6.2,
    carrierCode: "fedex",
    serviceCode: "fedex_ground",
    trackingNumber: "FX77001",
  };
  ss.shipments.push(label);
  expect((await ss.notify(`${stack.ingestUrl}/webhooks/shipstation?token=${SS_TOKEN}`, 7700)).status).toBe(
    200,
  );
  // Woo 4242 labelled by Shippo and delivered 2026-11-28T11:30Z, a day after its ETA.
  const hook = `${stack.ingestUrl}/webhooks/shippo?token=${SHIPPO_TOKEN}`;
  expect((await shippo.notify(hook, "transaction_created", shippo.transaction(wooLabel))).status).toBe(200);
  const steps = [
    { status: "PRE_TRANSIT", at: "2026-11-26T09:05:00Z" },
    { status: "TRANSIT", at: "2026-11-26T20:00:00Z" },
    { status: "DELIVERED", at: "2026-11-28T11:30:00Z" },
  ] as const;
  const track = shippo.track(wooLabel, [...steps], "2026-11-27T11:30:00Z");
  expect((await shippo.notify(hook, "track_updated", track)).status).toBe(200);
}

describe("an order's journey", () => {
  it("joins orders, payments, labels and deliveries across platforms, processors and shippers", async () => {
    await sendOrders();
    await sendPayments();
    await sendShipments();
    const count = async (sql: string, n: number) =>
      eventually(async () => expect((await stack.db.rows(sql)).length).toBe(n), { timeoutMs: 30_000 });
    await count("SELECT * FROM orders WHERE order_number IN ('#43501', '#43502', '4242')", 3);
    await count("SELECT * FROM payments WHERE object_id IN ('CAP-J1') OR order_ref = '4242'", 2);
    await count("SELECT * FROM shipments WHERE shipment_id IN ('77001', 'tx_journey_4242')", 2);
    await count("SELECT * FROM tracking_events WHERE tracking_number = '1ZJOURNEY4242'", 3);
    // Each label beside its order, as the shipment processor matches them once both are in.
    await count("SELECT * FROM label_orders WHERE shipment_id IN ('77001', 'tx_journey_4242')", 2);

    // Platform and shop at All unless a test chooses one.
    const ctx = (order = "", shop?: string) => ({
      from: new Date(Date.parse("2026-11-20T00:00:00Z")),
      to: new Date(now + hour),
      maxDataPoints: 500,
      variables: {
        order,
        platform: ["shopify", "woocommerce"],
        shop: shop ? [shop] : [SHOPIFY_SHOP, "woo.example"],
      },
      allSelected: shop ? ["platform"] : ["platform", "shop"],
    });
    const run = (sql: string, order = "", shop?: string) =>
      stack.db.rows<Record<string, unknown>>(renderQuery(sql, ctx(order, shop)));
    const journeys = (await run(ORDER_JOURNEY)).filter((r) =>
      ["43501", "43502", "4242"].includes(String(r.order_number)),
    );
    const byNumber = Object.fromEntries(journeys.map((r) => [r.order_number, r]));

    // Woo 4242 (Berlin, UTC+1 in November): ordered 15:30, paid 15:40, shipped 26th 10:00, delivered 28th 12:30 local.
    expect(byNumber["4242"]).toMatchObject({
      platform: "woocommerce",
      time_zone: "Europe/Berlin",
      ordered: "2026-11-25T15:30:00.000000Z",
      paid: "2026-11-25T15:40:00.000000Z",
      paid_with: "stripe",
      shipped: "2026-11-26T10:00:00.000000Z",
      shipper: "shippo",
      carrier: "ups",
      delivered: "2026-11-28T12:30:00.000000Z",
      hours_to_pay: 0.2, // 10 minutes
      hours_to_ship: 18.5, // 14:30 → 09:00 next day
      hours_to_deliver: 50.5, // 26th 09:00 → 28th 11:30
      missing: "",
    });
    // Shopify #43501: paid through PayPal after 0.5 h, shipped by ShipStation after 6 h, no tracking yet.
    expect(byNumber["43501"]).toMatchObject({
      platform: "shopify",
      time_zone: "America/New_York",
      paid_with: "paypal",
      shipper: "shipstation",
      carrier: "fedex",
      hours_to_pay: 0.5,
      hours_to_ship: 6,
      delivered: null,
      missing: "delivered",
    });
    expect(byNumber["43502"]).toMatchObject({ paid: null, shipped: null, missing: "paid shipped delivered" });

    // One order by its number, typed with Shopify's # as a person would.
    const one = await run(ORDER_JOURNEY, " #43502");
    expect(one.map((r) => r.order_number)).toEqual(["43502"]);
    // One shop chosen: only its journeys (the Shopify orders leave the list, Woo 4242 stays).
    const woo = (await run(ORDER_JOURNEY, "", "woo.example")).map((r) => String(r.order_number));
    expect(woo).toContain("4242");
    expect(woo.filter((n) => ["43501", "43502"].includes(n))).toEqual([]);

    // Fulfilment, from the same facts: UPS took 50.5 h to deliver, a day past its ETA; no exceptions.
    expect((await run(TIME_TO_DELIVER)).find((r) => r.carrier === "ups")).toMatchObject({
      delivered: 1,
      p50_hours: 50.5,
      p90_hours: 50.5,
    });
    const late = (await run(LATE_PARCELS)).filter((r) => r.tracking_number === "1ZJOURNEY4242");
    expect(late).toMatchObject([{ status: "DELIVERED", hours_late: 24, order_number: "4242" }]);
    expect((await run(EXCEPTIONS_AND_RETURNS)).find((r) => r.carrier === "ups")).toMatchObject({
      parcels: 1,
      exceptions: 0,
      returned: 0,
    });
    // Woo 4242 charged 5.99 shipping; its label cost 4.75: a margin of 1.24.
    expect((await run(COST_VS_CHARGED)).find((r) => r.shop === "woo.example")).toMatchObject({
      orders: 1,
      charged: 5.99,
      label_cost: 4.75,
      margin: 1.24,
    });
  });
});
