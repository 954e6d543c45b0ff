import { sqlString, type QuestDb } from "../core/questdb.ts";
import { inScope, type Rule } from "./rules.ts";
import type { Observation } from "./state.ts";

type FailuresRule = Extract<Rule, { kind: "payment_failures" }>;

/** A declined attempt: Stripe's failed charges and intents (`failed` rows), PayPal's DENIED captures. */
const DECLINED = "kind = 'failed' OR (kind = 'captured' AND status = 'DENIED')";
/** An attempt that went through (pending ones are neither yet). */
const SUCCEEDED = "kind = 'captured' AND status IN ('succeeded', 'COMPLETED')";

interface Attempts {
  processor: string;
  shop: string;
  declined: number;
  succeeded: number;
}

/**
 * The share of each processor account's payment attempts made in the trailing window that were
 * declined: one subject per account, firing while the rate and the count are both at their lines.
 * Counted per attempt, not per currency: a rate adds no money.
 */
export async function paymentFailures(db: QuestDb, rule: FailuresRule, now: number): Promise<Observation[]> {
  const since = sqlString(new Date(now - rule.windowMinutes * 60_000).toISOString());
  const rows = await db.rows<Attempts & Record<string, unknown>>(
    `SELECT processor, shop,
       sum(CASE WHEN ${DECLINED} THEN 1 ELSE 0 END) declined,
       sum(CASE WHEN ${SUCCEEDED} THEN 1 ELSE 0 END) succeeded
     FROM payments WHERE kind IN ('captured', 'failed') AND at >= ${since}
     GROUP BY processor, shop`,
  );
  return rows.filter((r) => inScope(rule, r.processor, r.shop)).map((r) => observe(rule, r));
}

function observe(rule: FailuresRule, r: Attempts): Observation {
  const attempts = r.declined + r.succeeded;
  const rate = attempts ? (100 * r.declined) / attempts : 0;
  const shown = Math.round(rate * 10) / 10;
  return {
    subject: `${r.processor}/${r.shop}`,
    platform: r.processor,
    shop: r.shop,
    sku: null,
    value: shown,
    threshold: rule.ratePercent,
    breached: r.declined >= rule.minFailures && rate >= rule.ratePercent,
    cleared: attempts === 0 || rate < rule.ratePercent - rule.hysteresis || r.declined < rule.minFailures,
    summary: `Payments declined on ${r.processor} (${r.shop}): ${r.declined} of ${attempts} attempts in the last ${rule.windowMinutes} min (${shown}%, alert at ${rule.ratePercent}%)`,
    details: {
      declined: r.declined,
      succeeded: r.succeeded,
      rate_percent: shown,
      window_minutes: rule.windowMinutes,
    },
  };
}
