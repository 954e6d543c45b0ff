import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Panel } from "@grafana/grafana-foundation-sdk/dashboard";
import { sqlString } from "../core/questdb.ts";
import { payments } from "../grafana/dashboards/payments.ts";
import { liveSales } from "../grafana/dashboards/live-sales.ts";
import { renderQuery } from "../grafana/interpolate.ts";
import { measure } from "../alerting/measure.ts";
import { parseRule, type Rule } from "../alerting/rules.ts";
import {
  charge,
  deliver,
  dispute,
  event,
  failedCharge,
  failedIntent,
  newSecret,
  nowSeconds,
  payout,
  signatureHeader,
  STRIPE_PII,
} from "./fakes/stripe/stripe.ts";
import { eventually } from "./support/eventually.ts";
import { startTestStack } from "./support/stack.ts";

/**
 * Stripe end to end: events built and signed as Stripe documents them → ingest → JetStream →
 * processors → QuestDB. Expected amounts are written out by hand below.
 */

const OLD_SECRET = newSecret();
const SECRET = newSecret();
let stack: Awaited<ReturnType<typeof startTestStack>>;
let url: string;

beforeAll(async () => {
  // Two secrets: the endpoint's secret is being rolled, and either may sign.
  stack = await startTestStack({ STRIPE_WEBHOOK_SECRET: `${OLD_SECRET}, ${SECRET}` });
  url = `${stack.ingestUrl}/webhooks/stripe`;
});
afterAll(async () => {
  await stack?.stop();
});

const send = (body: object, secrets = [SECRET]) => deliver(url, body, { secrets });
const woo = {
  order_id: "101",
  site_url: "https://shop.example/",
  customer_name: STRIPE_PII.name,
  customer_email: STRIPE_PII.email,
};

async function rows(table: string, where: string, count: number) {
  return eventually(async () => {
    const found = await stack.db.rows(`SELECT * FROM ${table} WHERE ${where}`);
    expect(found).toHaveLength(count);
    return found;
  });
}

describe("signatures", () => {
  const body = event(
    "charge.succeeded",
    charge({ amount: 100, currency: "usd", created: nowSeconds() }),
    nowSeconds(),
  );

  it("refuses a forged signature with 401, before reading the body", async () => {
    const res = await send(body, [newSecret()]);
    expect(res.status).toBe(401);
    const garbage = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "stripe-signature": signatureHeader("{", [SECRET], nowSeconds()),
      },
      body: "{ not json",
    });
    expect(garbage.status).toBe(401); // signed over other bytes: refused as unsigned, not as malformed
  });

  it("refuses a timestamp older than the 300 s tolerance with 401, and takes one just inside it", async () => {
    const old = await deliver(url, body, { secrets: [SECRET], timestamp: nowSeconds() - 320 });
    expect(old.status).toBe(401);
    const recent = await deliver(url, body, { secrets: [SECRET], timestamp: nowSeconds() - 200 });
    expect(recent.status).toBe(200);
  });

  it("takes either secret while one is rolled, and a header carrying both signatures", async () => {
    const e = event(
      "charge.succeeded",
      charge({ amount: 100, currency: "usd", created: nowSeconds() }),
      nowSeconds(),
    );
    expect((await send(e, [OLD_SECRET])).status).toBe(200);
    expect((await send(e, [newSecret(), SECRET])).status).toBe(200);
  });
});

describe("captured charges in exact minor units", () => {
  const created = nowSeconds() - 60;
  // Hand-written: 25.99 USD = 2599 cents; 1500 JPY has no minor unit; 12.345 KWD = 12345 fils.
  const cases = [
    { id: "ch_usd_2599", amount: 2599, currency: "usd", want: { currency: "USD", amount_minor: 2599 } },
    { id: "ch_jpy_1500", amount: 1500, currency: "jpy", want: { currency: "JPY", amount_minor: 1500 } },
    { id: "ch_kwd_12345", amount: 12345, currency: "kwd", want: { currency: "KWD", amount_minor: 12345 } },
  ];

  it("lands each in payments with its order reference and no personal data", async () => {
    for (const c of cases) {
      const res = await send(event("charge.succeeded", charge({ ...c, created, metadata: woo }), created));
      expect(res.status).toBe(200);
    }
    for (const c of cases) {
      const [row] = await rows("payments", `object_id = ${sqlString(c.id)}`, 1);
      expect(row).toMatchObject({
        ...c.want,
        processor: "stripe",
        shop: "stripe",
        kind: "captured",
        payment_id: c.id,
        order_ref: "101",
        order_site: "shop.example",
        at: new Date(created * 1000).toISOString().replace(".000Z", ".000000Z"),
      });
      const text = JSON.stringify(row);
      for (const pii of Object.values(STRIPE_PII)) expect(text).not.toContain(pii);
    }
  });

  it("counts a charge with no order reference too", async () => {
    await send(
      event(
        "charge.succeeded",
        charge({ id: "ch_no_order", amount: 700, currency: "eur", created }),
        created,
      ),
    );
    const [row] = await rows("payments", "object_id = 'ch_no_order'", 1);
    expect(row).toMatchObject({ amount_minor: 700, currency: "EUR", order_ref: null });
  });

  it("answers a redelivered event as a duplicate and writes no second row", async () => {
    const e = event(
      "charge.succeeded",
      charge({ id: "ch_twice", amount: 999, currency: "usd", created }),
      created,
    );
    expect(await (await send(e)).json()).toMatchObject({ duplicates: 0 });
    expect(await (await send(e)).json()).toMatchObject({ duplicates: 1 });
    await rows("payments", "object_id = 'ch_twice'", 1);
  });
});

describe("cumulative refunds", () => {
  it("counts each refunded amount once, whatever the order and however often Stripe delivers", async () => {
    const t = nowSeconds() - 600;
    const base = { id: "ch_refunds", amount: 10_000, currency: "usd", created: t, metadata: woo };
    // Refunds of 30.00 then 20.00: Stripe reports totals 3000 then 5000, then a full refund (10000).
    const first = event("charge.refunded", charge({ ...base, amountRefunded: 3000 }), t + 10);
    const second = event("charge.refunded", charge({ ...base, amountRefunded: 5000 }), t + 20);
    for (const e of [second, first, second, first]) expect((await send(e)).status).toBe(200);
    await eventually(async () => {
      const [sum] = await stack.db.rows<{ total: number }>(
        "SELECT sum(amount_minor) total FROM payments WHERE kind = 'refunded' AND object_id = 'ch_refunds'",
      );
      expect(sum?.total).toBe(5000);
    });
    // A fresh event id with an older total (a retry of a lost delivery) adds nothing either.
    await send(event("charge.refunded", charge({ ...base, amountRefunded: 3000 }), t + 25));
    await send(event("charge.refunded", charge({ ...base, amountRefunded: 10_000 }), t + 30));
    await eventually(async () => {
      const found = await stack.db.rows<{ amount_minor: number; cumulative_minor: number }>(
        "SELECT amount_minor, cumulative_minor FROM payments WHERE kind = 'refunded' AND object_id = 'ch_refunds' ORDER BY cumulative_minor",
      );
      // Whether 3000 became a step of its own depends on whether it reached the processor before 5000
      // did (batching): either way each row adds its total less the one before, and they sum to 10000.
      expect(found.map((r) => r.cumulative_minor).filter((t) => t !== 3000)).toEqual([5000, 10_000]);
      let before = 0;
      for (const row of found) {
        expect(row.amount_minor).toBe(row.cumulative_minor - before);
        before = row.cumulative_minor;
      }
      expect(before).toBe(10_000);
    });
  });
});

describe("disputes and payouts", () => {
  it("keeps a dispute's newest state when its events arrive in reverse", async () => {
    const t = nowSeconds() - 900;
    const spec = { id: "dp_late", charge: "ch_usd_2599", amount: 2599, currency: "usd", created: t };
    const closed = event("charge.dispute.closed", dispute({ ...spec, status: "lost" }), t + 100);
    const opened = event("charge.dispute.created", dispute({ ...spec, status: "needs_response" }), t);
    expect((await send(closed)).status).toBe(200);
    await rows("disputes", "dispute_id = 'dp_late' AND outcome = 'dispute_lost'", 1);
    expect((await send(opened)).status).toBe(200);
    // The stale "created" is acked and dropped: wait until the consumer has passed it, then look again.
    const marker = event(
      "charge.dispute.created",
      dispute({ ...spec, id: "dp_marker", status: "needs_response" }),
      t,
    );
    await send(marker);
    await rows("disputes", "dispute_id = 'dp_marker'", 1);
    const [row] = await rows("disputes", "dispute_id = 'dp_late'", 1);
    expect(row).toMatchObject({
      outcome: "dispute_lost",
      status: "lost",
      open: false,
      amount_minor: 2599,
      payment_id: "ch_usd_2599",
    });
  });

  it("records a failed payout as failed", async () => {
    const t = nowSeconds() - 300;
    await send(
      event(
        "payout.failed",
        payout({ id: "po_failed", amount: 50_000, currency: "usd", created: t, status: "failed" }),
        t + 5,
      ),
    );
    const [row] = await rows("payouts", "payout_id = 'po_failed'", 1);
    expect(row).toMatchObject({ failed: true, status: "failed", amount_minor: 50_000, currency: "USD" });
  });
});

describe("personal data", () => {
  it("appears in no table and no service log", async () => {
    for (const table of ["payments", "disputes", "payouts"]) {
      const all = JSON.stringify(await stack.db.rows(`SELECT * FROM ${table}`));
      for (const pii of Object.values(STRIPE_PII)) expect(all).not.toContain(pii);
    }
    const logs = readdirSync(stack.dir, { recursive: true, encoding: "utf8" })
      .map((name) => join(stack.dir, name))
      .filter((path) => path.endsWith(".log") && statSync(path).isFile());
    expect(logs.length).toBeGreaterThan(0);
    for (const path of logs) {
      const text = readFileSync(path, "utf8");
      expect(text).not.toContain(STRIPE_PII.email);
      expect(text).not.toContain(STRIPE_PII.name);
    }
  });
});

describe("the Payments dashboard", () => {
  const panels = (payments().build().panels ?? []) as Panel[];
  const sqlOf = (title: string) =>
    (panels.find((p) => p.title === title)!.targets![0] as unknown as { rawSql: string }).rawSql;
  const run = (title: string) =>
    stack.db.rows(
      renderQuery(sqlOf(title), {
        from: new Date(Date.now() - 3_600_000),
        to: new Date(Date.now() + 60_000),
        maxDataPoints: 100,
        variables: { processor: ["stripe"] },
        allSelected: ["processor"],
      }),
    );

  it("runs every panel's SQL on QuestDB", async () => {
    expect(panels.length).toBeGreaterThan(0);
    for (const panel of panels) await expect(run(panel.title!), panel.title).resolves.toBeDefined();
  });

  it("shows the money per currency as sent above, never added across currencies", async () => {
    // Captured USD by hand: 1.00 + 1.00 (signature tests) + 25.99 + 9.99 = 37.98; refunded 100.00 (ch_refunds).
    const rows = await run("Captured vs ordered");
    expect(rows).toEqual([
      { Currency: "EUR", Captured: 7, Refunded: 0, Ordered: 0, Payments: 1, Orders: 0 },
      { Currency: "JPY", Captured: 1500, Refunded: 0, Ordered: 0, Payments: 1, Orders: 0 },
      { Currency: "KWD", Captured: 12.345, Refunded: 0, Ordered: 0, Payments: 1, Orders: 0 },
      { Currency: "USD", Captured: 37.98, Refunded: 100, Ordered: 0, Payments: 4, Orders: 0 },
    ]);
    // No orders in this stack: every one of the 7 captures is a payment with no order.
    expect(await run("Payments with no order")).toHaveLength(7);
    expect(await run("Open disputes")).toMatchObject([
      { Currency: "USD", "Open disputes": 1, Amount: 25.99 },
    ]);
    expect(await run("Payouts")).toMatchObject([{ Payout: "po_failed", Failed: true, Amount: 500 }]);
  });

  it("lists the orders no capture paid after 2 hours, for shops whose orders captures have matched", async () => {
    const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
    // shop.example: order 101 was paid (ch_usd_2599 and others name it); 102 placed 3 h ago, unpaid;
    // 103 placed 1 h ago (not yet late). other.example never matched a capture: its 201 is not listed.
    const orders = [
      ["shop.example", "101", 3.5],
      ["shop.example", "102", 3],
      ["shop.example", "103", 1],
      ["other.example", "201", 3],
    ] as const;
    for (const [shop, id, hoursAgo] of orders)
      await stack.db.exec(
        `INSERT INTO orders (created_at, platform, shop, order_id, status, test, currency, total_minor)
         VALUES (${sqlString(at(hoursAgo))}, 'woocommerce', ${sqlString(shop)}, ${sqlString(id)}, 'sale', false, 'USD', 4200)`,
      );
    const wide = (title: string) =>
      stack.db.rows(
        renderQuery(sqlOf(title), {
          from: new Date(Date.now() - 6 * 3_600_000),
          to: new Date(Date.now() + 60_000),
          maxDataPoints: 100,
          variables: { processor: ["stripe"] },
          allSelected: ["processor"],
        }),
      );
    await eventually(async () => {
      expect(await wide("Orders unpaid after 2 hours")).toMatchObject([
        { Shop: "shop.example", Order: "102", Currency: "USD", Total: 42 },
      ]);
    });
  });
});

describe("the Live sales Payments row", () => {
  it("sets the captures naming the shop's orders beside its revenue, per currency", async () => {
    // The captures naming order 101 of shop.example (25.99 USD, 1500 JPY, 12.345 KWD), each
    // currency its own row; no order here went through the sales processor, so no revenue.
    const panel = (liveSales().build().panels as Panel[]).find(
      (p) => p.title === "Payments: captured vs ordered",
    )!;
    const sql = renderQuery((panel.targets![0] as unknown as { rawSql: string }).rawSql, {
      from: new Date(Date.now() - 86_400_000),
      to: new Date(Date.now() + 60_000),
      maxDataPoints: 100,
      variables: { shop_platform: "woocommerce", shop: "shop.example", tz: "UTC" },
      allSelected: [],
    });
    const today = (await stack.db.rows<Record<string, unknown>>(sql)).filter((r) => r.Span === "Today");
    expect(today).toEqual([
      { Span: "Today", Currency: "JPY", Ordered: 0, Captured: 1500, Orders: 0, Payments: 1 },
      { Span: "Today", Currency: "KWD", Ordered: 0, Captured: 12.345, Orders: 0, Payments: 1 },
      { Span: "Today", Currency: "USD", Ordered: 0, Captured: 25.99, Orders: 0, Payments: 1 },
    ]);
  });
});

describe("payment alert rules", () => {
  const rule = (kind: string) => {
    const parsed = parseRule({
      id: kind,
      name: kind,
      kind,
      ...(kind === "payment_failures" ? { ratePercent: 20 } : {}),
      channels: [{ type: "email", to: ["ops@example.com"] }],
    });
    if (!parsed.ok) throw new Error(parsed.text);
    return parsed.rule;
  };

  it("fire for the open dispute and the failed payout, and not for the dispute that closed", async () => {
    const disputes = await measure(stack.db, rule("dispute_opened"), Date.now());
    const bySubject = Object.fromEntries(disputes.map((o) => [o.subject, o]));
    expect(bySubject["stripe/dp_marker"]).toMatchObject({ breached: true, cleared: false, value: 2599 });
    expect(bySubject["stripe/dp_marker"]!.summary).toContain("25.99 USD");
    expect(bySubject["stripe/dp_late"]).toMatchObject({ breached: false, cleared: true });
    const payouts = await measure(stack.db, rule("payout_failed"), Date.now());
    expect(payouts).toMatchObject([{ subject: "stripe/po_failed", breached: true, value: 50_000 }]);
    expect(payouts[0]!.summary).toContain("500.00 USD");
  });

  it("fire for declines above the rate, each declined attempt counted once", async () => {
    const t = nowSeconds() - 120;
    const declined = [1, 2, 3].map((i) =>
      failedCharge({ id: `ch_declined_${i}`, amount: 500, currency: "usd", created: t }),
    );
    for (const c of declined) expect((await send(event("charge.failed", c, t))).status).toBe(200);
    // The intent of a declined charge names it: the same attempt, not a fourth decline.
    const sameAttempt = failedIntent({
      id: "pi_same",
      amount: 500,
      currency: "usd",
      created: t,
      latestCharge: "ch_declined_1",
    });
    // Failed before any charge was made (authentication): a decline of its own.
    const noCharge = failedIntent({
      id: "pi_no_charge",
      amount: 800,
      currency: "usd",
      created: t,
      latestCharge: null,
    });
    for (const pi of [sameAttempt, noCharge])
      expect((await send(event("payment_intent.payment_failed", pi, t))).status).toBe(200);
    await rows("payments", "kind = 'failed'", 4);
    const failures = (ratePercent: number) =>
      measure(stack.db, { ...rule("payment_failures"), ratePercent, minFailures: 4 } as Rule, Date.now());
    // By hand: 4 declined against the 7 captures above (signatures 2, exact units 3, no order 1, twice 1) = 4/11 = 36.4 %.
    expect(await failures(30)).toMatchObject([
      {
        subject: "stripe/stripe",
        breached: true,
        value: 36.4,
        summary: expect.stringContaining("4 of 11 attempts"),
      },
    ]);
    expect(await failures(40)).toMatchObject([{ breached: false }]);
    const text = JSON.stringify(await stack.db.rows("SELECT * FROM payments WHERE kind = 'failed'"));
    for (const pii of Object.values(STRIPE_PII)) expect(text).not.toContain(pii);
  });
});
