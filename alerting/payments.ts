import { sqlString, type QuestDb } from "../core/questdb.ts";
import { formatMoney } from "./measure.ts";
import { inScope, type Rule } from "./rules.ts";
import type { Observation } from "./state.ts";

/**
 * Payment rules, read from the payments processor's `disputes` and `payouts` tables: one subject per
 * dispute or payout, so each new one notifies once. The rule's `platform` scope is the processor.
 */

type Of<K extends Rule["kind"]> = Extract<Rule, { kind: K }>;
const since = (now: number, hours: number) => sqlString(new Date(now - hours * 3_600_000).toISOString());

interface DisputeRow {
  processor: string;
  shop: string;
  dispute_id: string;
  payment_id: string | null;
  open: boolean;
  status: string;
  currency: string;
  amount_minor: number;
  created_at: string;
}

/** Fires for each dispute opened within the look-back while it is open; resolves when it closes. */
export async function disputeOpened(
  db: QuestDb,
  rule: Of<"dispute_opened">,
  now: number,
): Promise<Observation[]> {
  const rows = await db.rows<DisputeRow & Record<string, unknown>>(
    `SELECT processor, shop, dispute_id, payment_id, open, status, currency, amount_minor, created_at
     FROM disputes WHERE created_at >= ${since(now, rule.withinHours)}`,
  );
  return rows
    .filter((r) => inScope(rule, r.processor, r.shop))
    .map((r) => ({
      subject: `${r.processor}/${r.dispute_id}`,
      platform: r.processor,
      shop: r.shop,
      sku: null,
      value: r.amount_minor,
      threshold: null,
      breached: r.open,
      cleared: !r.open,
      summary: `Dispute opened on ${r.processor}: ${formatMoney(r.amount_minor, r.currency)} (${r.status})${r.payment_id ? ` on ${r.payment_id}` : ""}`,
      details: {
        dispute: r.dispute_id,
        payment: r.payment_id,
        status: r.status,
        currency: r.currency,
        amount_minor: r.amount_minor,
        opened_at: r.created_at,
      },
    }));
}

interface PayoutRow {
  processor: string;
  shop: string;
  payout_id: string;
  failed: boolean;
  status: string;
  currency: string;
  amount_minor: number;
  created_at: string;
}

/** Fires for each payout created within the look-back that failed; a failed payout stays failed. */
export async function payoutFailed(
  db: QuestDb,
  rule: Of<"payout_failed">,
  now: number,
): Promise<Observation[]> {
  const rows = await db.rows<PayoutRow & Record<string, unknown>>(
    `SELECT processor, shop, payout_id, failed, status, currency, amount_minor, created_at
     FROM payouts WHERE created_at >= ${since(now, rule.withinHours)}`,
  );
  return rows
    .filter((r) => inScope(rule, r.processor, r.shop))
    .map((r) => ({
      subject: `${r.processor}/${r.payout_id}`,
      platform: r.processor,
      shop: r.shop,
      sku: null,
      value: r.amount_minor,
      threshold: null,
      breached: r.failed,
      cleared: !r.failed,
      summary: `Payout failed on ${r.processor}: ${formatMoney(r.amount_minor, r.currency)} (${r.payout_id})`,
      details: {
        payout: r.payout_id,
        status: r.status,
        currency: r.currency,
        amount_minor: r.amount_minor,
        created_at: r.created_at,
      },
    }));
}
