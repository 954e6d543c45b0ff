import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../core/config.ts";
import { createLogger } from "../core/log.ts";
import { demoEnv } from "../demo/config.ts";
import { deliverAll } from "../demo/deliver.ts";
import type { Webhook } from "../demo/feed.ts";
import { followedFeed, openFollowers, type RunningFollower } from "../demo/followers.ts";
import { openOutlet } from "../demo/outlets.ts";
import { demoShops } from "../demo/shops.ts";
import type { OrderSpec, Shopper } from "../demo/specs.ts";
import { DemoStore } from "../demo/store.ts";
import { demoWiring } from "../demo/wiring.ts";
import { freePort } from "../services/ports.ts";
import { eventually } from "./support/eventually.ts";
import { startTestStack } from "./support/stack.ts";

/**
 * The demo's Stripe and PayPal accounts against the real pipeline: the WooCommerce and BigCommerce
 * demo shops (their webhooks delivered to ingest, BigCommerce's API served), the two followers
 * wired as the start command wires them (PayPal's certificate made and served), their webhooks
 * signed and POSTed. What must land is read from the bodies it
 * sent (parsed here as Stripe's documented objects) and from the orders the shops generated and
 * wrote — not from the follower's code.
 */

const SEED = 7;
const START = Date.parse("2026-11-02T05:00:00Z");
const UNTIL = START + 6 * 86_400_000;
const log = createLogger("test", "silent");

let stack: Awaited<ReturnType<typeof startTestStack>>;
let stripe: RunningFollower;
let paypal: RunningFollower;
const stops: (() => Promise<void>)[] = [];
const paid = new Map<string, { platform: string; spec: OrderSpec }>(); // by reference
const cancelled = new Set<string>(); // references cancelled at any time
const shoppers: Shopper[] = [];
const sent: Webhook[] = [];
const paypalSent: Webhook[] = [];

beforeAll(async () => {
  const wiring = await demoWiring({}, { port: freePort });
  expect(wiring.followers).toContain("stripe");
  stack = await startTestStack({ ...wiring.stackEnv, CATCHUP_INTERVAL_MS: "600000" });
  const env = {
    ...stack.env,
    ...wiring.demoEnv,
    DEMO_PLATFORMS: "woocommerce,bigcommerce",
    DEMO_FOLLOWERS: "stripe,paypal",
  };
  [stripe, paypal] = openFollowers(env, SEED, stack.ingestUrl) as [RunningFollower, RunningFollower];
  stops.push(await paypal.following.serve!(log));
  const shopWebhooks: {
    webhook: Webhook;
    to: { url: string; headers: (w: Webhook, b: string) => Record<string, string> };
  }[] = [];
  for (const shop of demoShops(loadConfig(demoEnv, env), env)) {
    const outlet = openOutlet(shop, stack.ingestUrl);
    if (outlet.serve) stops.push(await outlet.serve(log));
    const refOf = (spec: OrderSpec) => shop.outlet.orderReference?.(spec) ?? String(spec.orderNumber);
    // Records each order as the shop generated it, before the follower hears of it.
    const recorded: typeof outlet.feed = (args) => {
      const feed = outlet.feed(args);
      return {
        checkoutStarted: (checkout) => feed.checkoutStarted(checkout),
        orderPlaced: (spec) => feed.orderPlaced(spec),
        orderPaid: (spec) => {
          paid.set(refOf(spec), { platform: shop.platform, spec: structuredClone(spec) });
          shoppers.push(spec.shopper);
          return feed.orderPaid(spec);
        },
        orderCancelled: (spec, refund) => {
          cancelled.add(refOf(spec));
          return feed.orderCancelled(spec, refund);
        },
        orderRefunded: (spec, refund) => feed.orderRefunded(spec, refund),
        stockChanged: (product, available, at) => feed.stockChanged(product, available, at),
      };
    };
    const store = new DemoStore({
      seed: shop.seed,
      ordersPerMinute: 0.05,
      start: START,
      shop: shop.shop,
      currency: shop.currency,
      timeZone: shop.timeZone,
      ...shop.store,
      feed: followedFeed(recorded, shop, [stripe, paypal], SEED),
    });
    for (const webhook of store.advance(UNTIL)) shopWebhooks.push({ webhook, to: outlet });
  }
  const stripeWebhooks = stripe.following.advance(UNTIL).map((webhook) => {
    sent.push(webhook);
    return { webhook, to: stripe.delivery };
  });
  const paypalWebhooks = paypal.following.advance(UNTIL).map((webhook) => {
    paypalSent.push(webhook);
    return { webhook, to: paypal.delivery };
  });
  await deliverAll([...shopWebhooks, ...stripeWebhooks, ...paypalWebhooks], { concurrency: 16 });
}, 300_000);
afterAll(async () => {
  for (const stop of stops) await stop();
  await stack?.stop();
});

/** The fields of Stripe's objects this test reads (API reference: Charge, Dispute, Payout). */
type StripeBody = {
  id: string;
  type: string;
  data: {
    object: {
      id: string;
      amount: number;
      amount_refunded?: number;
      currency: string;
      charge?: string;
      metadata?: Record<string, string>;
    };
  };
};
const bodies = (type: string) =>
  sent.filter((w) => w.topic === type).map((w) => JSON.parse(w.render()) as StripeBody);

const num = (v: unknown) => Number(v);

describe("demo payments, whole pipeline", () => {
  it("writes every charge Stripe sent, once, each joining a paid WooCommerce or BigCommerce order for its total", async () => {
    const charges = bodies("charge.succeeded").map((b) => b.data.object);
    expect(charges.length).toBeGreaterThan(100);
    const rows = await eventually(
      async () => {
        const got = await stack.db.rows<Record<string, unknown>>(
          "SELECT object_id, amount_minor, currency, order_ref, order_site FROM payments WHERE processor = 'stripe' AND kind = 'captured' ORDER BY object_id",
        );
        expect(got.length).toBe(charges.length);
        return got;
      },
      { timeoutMs: 240_000, intervalMs: 1000 },
    );
    const expected = charges
      .map((c) => ({
        object_id: c.id,
        amount_minor: c.amount,
        currency: c.currency.toUpperCase(),
        order_ref: c.metadata!.order_id,
        order_site: c.metadata!.site_url ? new URL(c.metadata!.site_url).host : null,
      }))
      .sort((a, b) => a.object_id.localeCompare(b.object_id));
    expect(rows.map((r) => ({ ...r, amount_minor: num(r.amount_minor) }))).toEqual(expected);

    // Each names a paid demo order of the two shops, none twice, for the order's own total.
    const refs = expected.map((e) => e.order_ref);
    expect(new Set(refs).size).toBe(refs.length);
    const platforms = new Set<string>();
    for (const e of expected) {
      const order = paid.get(e.order_ref!);
      expect(order, e.order_ref).toBeDefined();
      platforms.add(order!.platform);
      expect(e.order_site).toBe(order!.platform === "woocommerce" ? "demo-woo.metricsdash.example" : null);
    }
    expect([...platforms].sort()).toEqual(["bigcommerce", "woocommerce"]);
    // About the follower's share of the paid orders, not all of them (the rest is for other processors).
    expect(refs.length).toBeLessThan(0.85 * paid.size);
    expect(refs.length).toBeGreaterThan(0.45 * paid.size);

    const joined = await eventually(
      async () => {
        const got = await stack.db.rows<{ ref: string; total: number; paid: number; currency: string }>(
          `SELECT p.order_ref ref, o.total_minor total, p.amount_minor paid, o.currency currency FROM payments p
           JOIN (SELECT trim(cast(replace(order_number, '#', '') AS varchar)) AS ref, total_minor, currency FROM orders) o ON p.order_ref = o.ref
           WHERE p.processor = 'stripe' AND p.kind = 'captured'`,
        );
        expect(got.length).toBe(expected.length);
        return got;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    for (const j of joined) expect(num(j.paid)).toBe(num(j.total));
    expect(new Set(joined.map((j) => j.currency))).toEqual(new Set(["EUR", "GBP"]));
  }, 300_000);

  it("counts refunds as the increments of Stripe's running total, and refunds every cancelled paid order in full", async () => {
    const last = new Map<string, { refunded: number; amount: number; ref: string }>();
    for (const { data } of bodies("charge.refunded")) {
      const known = last.get(data.object.id);
      if (!known || known.refunded < data.object.amount_refunded!)
        last.set(data.object.id, {
          refunded: data.object.amount_refunded!,
          amount: data.object.amount,
          ref: data.object.metadata!.order_id!,
        });
    }
    expect(last.size).toBeGreaterThan(3);
    const partial = [...last.values()].filter((r) => r.refunded < r.amount);
    expect(partial.length).toBeGreaterThan(0);
    for (const [, r] of last) if (cancelled.has(r.ref)) expect(r.refunded).toBe(r.amount);
    const charged = new Set(bodies("charge.succeeded").map((b) => b.data.object.metadata!.order_id));
    for (const ref of cancelled)
      if (charged.has(ref) && paid.has(ref)) expect([...last.values()].some((r) => r.ref === ref)).toBe(true);

    const rows = await eventually(
      async () => {
        const got = await stack.db.rows<{ object_id: string; refunded: number; n: number }>(
          "SELECT object_id, sum(amount_minor) refunded, count() n FROM payments WHERE processor = 'stripe' AND kind = 'refunded' GROUP BY object_id",
        );
        expect(got.length).toBe(last.size);
        const totals = new Map(got.map((r) => [r.object_id, num(r.refunded)]));
        for (const [id, r] of last) expect(totals.get(id), id).toBe(r.refunded);
        return got;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    expect(rows.reduce((n, r) => n + num(r.n), 0)).toBe(bodies("charge.refunded").length);
  }, 200_000);

  it("opens the disputes and records the payouts Stripe sent, and stores nothing personal", async () => {
    const disputes = bodies("charge.dispute.created").map((b) => b.data.object);
    const payouts = bodies("payout.paid").map((b) => b.data.object);
    expect(disputes.length).toBeGreaterThan(0);
    expect(payouts.length).toBeGreaterThanOrEqual(6); // two currencies, three or more days paid out
    const charged = new Set(bodies("charge.succeeded").map((b) => b.data.object.id));
    for (const d of disputes) expect(charged.has(d.charge!)).toBe(true);

    await eventually(
      async () => {
        const got = await stack.db.rows<Record<string, unknown>>(
          "SELECT dispute_id, payment_id, amount_minor, currency, open FROM disputes ORDER BY dispute_id",
        );
        expect(got.map((r) => ({ ...r, amount_minor: num(r.amount_minor) }))).toEqual(
          disputes
            .map((d) => ({
              dispute_id: d.id,
              payment_id: d.charge,
              amount_minor: d.amount,
              currency: d.currency.toUpperCase(),
              open: true,
            }))
            .sort((a, b) => a.dispute_id.localeCompare(b.dispute_id)),
        );
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    await eventually(
      async () => {
        const got = await stack.db.rows<Record<string, unknown>>(
          "SELECT payout_id, amount_minor, currency, status FROM payouts ORDER BY payout_id",
        );
        expect(got.map((r) => ({ ...r, amount_minor: num(r.amount_minor) }))).toEqual(
          payouts
            .map((p) => ({
              payout_id: p.id,
              amount_minor: p.amount,
              currency: p.currency.toUpperCase(),
              status: "paid",
            }))
            .sort((a, b) => a.payout_id.localeCompare(b.payout_id)),
        );
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );

    const stored = JSON.stringify([
      await stack.db.rows("SELECT * FROM payments"),
      await stack.db.rows("SELECT * FROM disputes"),
      await stack.db.rows("SELECT * FROM payouts"),
    ]);
    for (const s of shoppers.slice(0, 200)) {
      expect(stored).not.toContain(s.email);
      expect(stored).not.toContain(s.lastName);
    }
  });
  it("writes PayPal's captures and refunds in minor units, each capture an order Stripe did not take", async () => {
    type PayPalBody = {
      resource: {
        id: string;
        amount: { value: string; currency_code: string };
        custom_id: string;
        links: { rel: string; href: string }[];
      };
    };
    const of = (type: string) =>
      paypalSent.filter((w) => w.topic === type).map((w) => (JSON.parse(w.render()) as PayPalBody).resource);
    // Decimal strings read by hand: both shops' currencies have two decimals.
    const minor = (value: string) => Number(value.replace(".", ""));
    const captures = of("PAYMENT.CAPTURE.COMPLETED");
    const refunds = of("PAYMENT.CAPTURE.REFUNDED");
    expect(captures.length).toBeGreaterThan(30);
    expect(refunds.length).toBeGreaterThan(0);
    const stripeRefs = new Set(bodies("charge.succeeded").map((b) => b.data.object.metadata!.order_id));
    for (const c of captures) {
      expect(paid.has(c.custom_id)).toBe(true);
      expect(stripeRefs.has(c.custom_id)).toBe(false);
    }
    expect(new Set(captures.map((c) => c.custom_id)).size).toBe(captures.length);

    const expected = [
      ...captures.map((c) => ({
        kind: "captured",
        object_id: c.id,
        payment_id: c.id,
        amount_minor: minor(c.amount.value),
        currency: c.amount.currency_code,
        order_ref: c.custom_id,
      })),
      ...refunds.map((r) => ({
        kind: "refunded",
        object_id: r.id,
        payment_id: r.links
          .find((l) => l.rel === "up")!
          .href.split("/")
          .at(-1)!,
        amount_minor: minor(r.amount.value),
        currency: r.amount.currency_code,
        order_ref: r.custom_id,
      })),
    ].sort((a, b) => a.object_id.localeCompare(b.object_id));
    await eventually(
      async () => {
        const got = await stack.db.rows<Record<string, unknown>>(
          "SELECT kind, object_id, payment_id, amount_minor, currency, order_ref FROM payments WHERE processor = 'paypal' ORDER BY object_id",
        );
        expect(got.map((r) => ({ ...r, amount_minor: num(r.amount_minor) }))).toEqual(expected);
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    // Each capture is its order's total, as the shop's own webhook wrote it.
    const totals = await stack.db.rows<{ ref: string; total: number }>(
      "SELECT trim(cast(replace(order_number, '#', '') AS varchar)) ref, total_minor total FROM orders",
    );
    const totalOf = new Map(totals.map((t) => [t.ref, num(t.total)]));
    for (const c of captures) expect(minor(c.amount.value)).toBe(totalOf.get(c.custom_id));
    const stored = JSON.stringify(await stack.db.rows("SELECT * FROM payments WHERE processor = 'paypal'"));
    for (const s of shoppers.slice(0, 200)) expect(stored).not.toContain(s.email);
  });
});
