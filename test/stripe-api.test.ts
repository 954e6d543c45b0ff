import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Panel } from "@grafana/grafana-foundation-sdk/dashboard";
import { payments } from "../grafana/dashboards/payments.ts";
import { renderQuery } from "../grafana/interpolate.ts";
import { charge, deliver, event, newSecret, nowSeconds } from "./fakes/stripe/stripe.ts";
import { FakeStripeApi } from "./fakes/stripe/api.ts";
import { eventually } from "./support/eventually.ts";
import { startTestStack } from "./support/stack.ts";

/**
 * Stripe's API off the webhook path, end to end against a fake built from Stripe's API reference:
 * each capture's balance transaction becomes a fee row (through Stripe's 429s), and the catch-up
 * re-reads `GET /v1/events` — paged, at most 30 days back — storing what webhooks missed once.
 * Expected figures are computed here from the generated input, not by the code under test.
 */

const SECRET = newSecret();
const DAY = 86_400;
const now = nowSeconds();
let api: FakeStripeApi;
let stack: Awaited<ReturnType<typeof startTestStack>>;

/** A capture Stripe booked: 2.9 % + 30 (in the currency's minor unit), as a card fee is figured. */
function booked(amount: number, currency: string, created: number) {
  const body = charge({ amount, currency, created });
  const fee = Math.round(amount * 0.029) + 30;
  api.addTransaction({
    id: body.balance_transaction,
    amount,
    fee,
    net: amount - fee,
    currency,
    created,
    source: body.id,
    status: "pending",
  });
  return { body, fee };
}

// 150 USD captures the webhooks never delivered (two pages of 100), and one older than Stripe keeps.
const missed: { id: string; amount: number; fee: number }[] = [];
let firstMissedEvent: object;

beforeAll(async () => {
  api = await FakeStripeApi.start();
  for (let i = 1; i <= 150; i++) {
    const { body, fee } = booked(1000 + i, "usd", now - 3600 + i);
    const e = event("charge.succeeded", body, now - 3600 + i);
    if (i === 1) firstMissedEvent = e;
    api.addEvent(e);
    missed.push({ id: body.id, amount: 1000 + i, fee });
  }
  api.addEvent(event("charge.succeeded", booked(5000, "usd", now - 31 * DAY).body, now - 31 * DAY));
  // Stripe's limiter refuses the first requests: the fetchers back off and still get everything.
  api.throttle(3);
  stack = await startTestStack({
    STRIPE_WEBHOOK_SECRET: SECRET,
    STRIPE_API_KEY: api.apiKey,
    STRIPE_API_URL: api.url,
    // Asks for 40 days: the catch-up must still stop at Stripe's 30.
    CATCHUP_LOOKBACK_MS: String(40 * DAY * 1000),
  });
}, 300_000);
afterAll(async () => {
  await stack?.stop();
  await api?.stop();
});

const sumsOf = (kind: string, currency: string) =>
  stack.db.rows<{ n: number; amount: number; fee: number; net: number }>(
    `SELECT count() n, sum(amount_minor) amount, sum(fee_minor) fee, sum(net_minor) net
     FROM payments WHERE kind = '${kind}' AND currency = '${currency}'`,
  );

describe("catch-up from GET /v1/events", () => {
  it("stores every missed capture once, paging with starting_after, and asks for 30 days at most", async () => {
    const amount = missed.reduce((sum, m) => sum + m.amount, 0);
    await eventually(
      async () => {
        const [row] = await sumsOf("captured", "USD");
        expect(row).toMatchObject({ n: 150, amount });
      },
      { timeoutMs: 60_000 },
    );
    const lists = api.requests.filter((r) => r.path === "/v1/events" && r.status === 200);
    expect(lists.length).toBeGreaterThanOrEqual(2);
    expect(lists.some((r) => r.query.has("starting_after"))).toBe(true);
    for (const r of lists)
      expect(Number(r.query.get("created[gte]"))).toBeGreaterThanOrEqual(now - 30 * DAY - 60);
    expect(api.requests.filter((r) => r.status === 429)).toHaveLength(3);
  });

  it("counts a capture delivered by webhook as well as listed once", async () => {
    const res = await deliver(`${stack.ingestUrl}/webhooks/stripe`, firstMissedEvent, { secrets: [SECRET] });
    expect(res.status).toBe(200);
    const { id } = missed[0]!;
    // A later capture's row landing means the consumer got past the redelivery.
    const marker = booked(777, "usd", nowSeconds());
    await deliver(
      `${stack.ingestUrl}/webhooks/stripe`,
      event("charge.succeeded", marker.body, nowSeconds()),
      {
        secrets: [SECRET],
      },
    );
    await eventually(async () => {
      expect(
        await stack.db.rows(`SELECT * FROM payments WHERE object_id = '${marker.body.id}'`),
      ).toHaveLength(1);
    });
    expect(
      await stack.db.rows(`SELECT * FROM payments WHERE kind = 'captured' AND object_id = '${id}'`),
    ).toHaveLength(1);
  });
});

describe("fees and net from balance transactions", () => {
  it("writes each capture's fee and net once, in minor units, beside the capture", async () => {
    const fee = missed.reduce((sum, m) => sum + m.fee, 0);
    const gross = missed.reduce((sum, m) => sum + m.amount, 0);
    await eventually(
      async () => {
        const [row] = await stack.db.rows<{ n: number; fee: number; net: number }>(
          `SELECT count() n, sum(fee_minor) fee, sum(net_minor) net FROM payments
           WHERE kind = 'fee' AND payment_id IN (${missed.map((m) => `'${m.id}'`).join(",")})`,
        );
        expect(row).toEqual({ n: 150, fee, net: gross - fee });
      },
      { timeoutMs: 60_000 },
    );
  });

  it("fetches the fee of a capture that came by webhook, in a zero-decimal and a three-decimal currency", async () => {
    const t = nowSeconds();
    // Hand-written: 1500 JPY pays round(43.5) + 30 = 74 JPY; 12.345 KWD pays round(358.005) + 30 = 388 fils.
    const jpy = booked(1500, "jpy", t);
    const kwd = booked(12_345, "kwd", t);
    expect([jpy.fee, kwd.fee]).toEqual([74, 388]);
    for (const { body } of [jpy, kwd]) {
      const res = await deliver(`${stack.ingestUrl}/webhooks/stripe`, event("charge.succeeded", body, t), {
        secrets: [SECRET],
      });
      expect(res.status).toBe(200);
    }
    await eventually(async () => {
      expect((await sumsOf("fee", "JPY"))[0]).toMatchObject({ n: 1, fee: 74, net: 1426 });
      expect((await sumsOf("fee", "KWD"))[0]).toMatchObject({ n: 1, fee: 388, net: 11_957 });
    });
  });
});

describe("the Payments dashboard's rollup", () => {
  it("shows the fees and net per currency from payments_1m, every capture with its fee", async () => {
    const panels = (payments().build().panels ?? []) as Panel[];
    const panel = panels.find((p) => p.title?.startsWith("By processor"))!;
    const sql = renderQuery((panel.targets![0] as unknown as { rawSql: string }).rawSql, {
      from: new Date((now - 2 * 3600) * 1000),
      to: new Date(Date.now() + 60_000),
      maxDataPoints: 100,
      variables: { processor: ["stripe"] },
      allSelected: ["processor"],
    });
    const fee = missed.reduce((sum, m) => sum + m.fee, 0) + 53; // + the 777 marker's round(22.533) + 30
    const gross = missed.reduce((sum, m) => sum + m.amount, 0) + 777;
    await eventually(async () => {
      const usd = (await stack.db.rows<Record<string, unknown>>(sql)).find((r) => r.Currency === "USD");
      expect(usd).toEqual({
        Processor: "stripe",
        Currency: "USD",
        Captured: gross / 100,
        Refunded: 0,
        Fees: fee / 100,
        "Net of fees": (gross - fee) / 100,
        "Captures without fee data": 0,
      });
    });
  });
});
