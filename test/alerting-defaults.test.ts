import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_RULES } from "../alerting/defaults.ts";
import { startAlertingStack, writeViralForecast, type AlertingStack } from "./support/alerting-stack.ts";
import { eventually } from "./support/eventually.ts";

/** A first start with no rules file: the default rules exist, fire without channels, and stay the user's. */

const DAY = 86_400_000;
let stack: AlertingStack;

beforeAll(async () => {
  stack = await startAlertingStack([], { defaults: true });
}, 300_000);
afterAll(async () => {
  await stack?.stop();
});

interface Incident {
  ruleId: string;
  subject: string;
  phase: string;
  value: number | null;
  threshold: number | null;
  pending: number;
}
const incident = async (ruleId: string, subject: string) =>
  (await stack.api<{ incidents: Incident[] }>("/api/alerts?all=1")).body.incidents.find(
    (i) => i.ruleId === ruleId && i.subject === subject,
  );

async function order(shop: string, at: number, id: string) {
  await stack.sender
    .table("orders")
    .symbol("platform", "shopify")
    .symbol("shop", shop)
    .symbol("status", "open")
    .symbol("currency", "USD")
    .stringColumn("order_id", id)
    .intColumn("total_minor", 5000)
    .booleanColumn("test", false)
    .at(BigInt(at) * 1000n, "us");
}

describe("default rules", () => {
  it("are written on a first start, with no channels", async () => {
    const { body } = await stack.api<{ rules: { id: string; kind: string; channels: unknown[] }[] }>(
      "/api/rules",
    );
    expect(body.rules.map((r) => [r.id, r.kind]).sort()).toEqual([
      ["no-orders-longer-than-usual", "no_orders"],
      ["reorder-point", "reorder_point"],
      ["revenue-below-last-week", "revenue_drop"],
      ["stockout-within-lead-time", "stockout_eta"],
    ]);
    expect(body.rules.every((r) => r.channels.length === 0)).toBe(true);
    expect(DEFAULT_RULES).toHaveLength(4);
  });

  it("fire with no channel: the incident shows on the page and lands in the alerts table, nothing is sent", async () => {
    await writeViralForecast(stack.sender);
    for (const rule of ["reorder-point", "stockout-within-lead-time"]) {
      await eventually(async () =>
        expect(await incident(rule, "viral.myshopify.com/HOODIE")).toMatchObject({
          phase: "firing",
          pending: 0,
        }),
      );
    }
    await eventually(async () => {
      const rows = await stack.db.exec(
        "SELECT rule_id FROM alerts WHERE subject = 'viral.myshopify.com/HOODIE' AND state = 'firing' ORDER BY rule_id",
      );
      expect(rows.dataset.map((r) => r[0])).toEqual(["reorder-point", "stockout-within-lead-time"]);
    });
    expect(stack.smtp.messages).toEqual([]);
    expect(stack.pagerduty.accepted).toEqual([]);
  });

  it("no orders: the line is three times the shop's usual gap at this hour, and a shop quiet at this hour stays quiet", async () => {
    const now = Date.now();
    // One order a day at this very minute on each of the last 27 days (the 28th day back would fall out of
    // the worker's window, which ends at its own later "now"): in this hour, 27 orders over 28 days.
    for (let k = 1; k <= 27; k++) await order("steady.myshopify.com", now - k * DAY, `steady-${k}`);
    const line = Math.round(Math.max(30, 3 * ((28 * 60) / 27)) * 10) / 10; // 186.7 minutes
    // Another shop sells only twelve hours away from this hour.
    for (let k = 1; k <= 28; k++) await order("night.myshopify.com", now - k * DAY + DAY / 2, `night-${k}`);
    await stack.sender.flush();
    const midnight = Date.UTC(
      new Date(now).getUTCFullYear(),
      new Date(now).getUTCMonth(),
      new Date(now).getUTCDate(),
    );
    await eventually(async () => {
      const steady = await incident("no-orders-longer-than-usual", "steady.myshopify.com");
      expect(steady?.threshold).toBe(line);
      // Quiet since today's opening (midnight UTC, all day open): the last order was yesterday.
      const quiet = (Date.now() - midnight) / 60_000;
      expect(steady!.value).toBeGreaterThan(quiet - 2);
      expect(steady!.phase).toBe(quiet >= line + 1 ? "firing" : "ok");
    });
    const night = await incident("no-orders-longer-than-usual", "night.myshopify.com");
    expect(night).toMatchObject({ threshold: null, phase: "ok" });
  });

  it("are not written again once the store has held rules, even after all were deleted", async () => {
    for (const rule of DEFAULT_RULES)
      expect((await stack.api(`/api/rules/${rule.id}`, { method: "DELETE" })).status).toBe(204);
    await stack.worker.stop();
    await stack.worker.start();
    const { body } = await stack.api<{ rules: unknown[] }>("/api/rules");
    expect(body.rules).toEqual([]);
  });
});
