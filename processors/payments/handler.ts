import type { CanonicalEvent, PaymentEvent } from "../../core/events.ts";
import type { PaymentKind } from "../../core/payment-events.ts";
import type { Logger } from "../../core/log.ts";
import type { QuestDb } from "../../core/questdb.ts";
import type { BatchHandler } from "../consumer.ts";
import { RefundTotals } from "./refund-totals.ts";
import { writeDisputeRow, writePaymentRow, writePayoutRow } from "./rows.ts";
import { ObjectVersions, type ObjectTable } from "../object-versions.ts";

const DISPUTE_KINDS = new Set<PaymentKind>(["disputed", "dispute_won", "dispute_lost"]);
const PAYOUT_KINDS = new Set<PaymentKind>(["payout", "payout_failed"]);
const DISPUTES: ObjectTable = { table: "disputes", idColumn: "dispute_id" };
const PAYOUTS: ObjectTable = { table: "payouts", idColumn: "payout_id" };

const stateOf = (event: PaymentEvent) => ({
  event,
  processor: event.payment.processor,
  shop: event.shop,
  objectId: event.payment.objectId,
  updatedAt: event.payment.updatedAt,
});
type State = ReturnType<typeof stateOf>;

/**
 * Writes the payment facts of a batch in one QuestDB request: captures, disputes and payouts as their
 * newest state (a stale one is acked and dropped), cumulative refunds as the increments they add.
 */
export function paymentsHandler(db: QuestDb, log: Logger): BatchHandler {
  const versions = new ObjectVersions(db);
  const totals = new RefundTotals(db);

  return async (events: CanonicalEvent[], sender) => {
    const payments = events.filter((e): e is PaymentEvent => e.type === "payment");
    if (!payments.length) return;
    const cumulative = payments.filter(
      (e) => e.payment.kind === "refunded" && e.payment.cumulativeMinor !== null,
    );
    const rest = payments.filter((e) => !cumulative.includes(e));
    const byTable = Map.groupBy(rest, (e) => tableOf(e.payment.kind));

    const written: [ObjectTable, State[]][] = [];
    for (const [table, group] of byTable) {
      const fresh = await versions.fresh(table, group.map(stateOf));
      const stale = group.length - fresh.length;
      if (stale) log.debug({ table: table.table, stale }, "stale payment states ignored");
      for (const { event } of fresh) await writeState(sender, table, event);
      written.push([table, fresh]);
    }

    const refunds = cumulative.map(stateOf);
    await totals.load(refunds);
    try {
      // Lowest total first: a batch holding the same charge's refunds twice then adds each step once.
      for (const { event } of refunds.toSorted(
        (a, b) => a.event.payment.cumulativeMinor! - b.event.payment.cumulativeMinor!,
      )) {
        const total = event.payment.cumulativeMinor!;
        const added = totals.take({ ...stateOf(event), cumulativeMinor: total });
        if (added > 0) await writePaymentRow(sender, event, `to:${total}`, added);
      }
      await sender.flush();
    } catch (err) {
      totals.forget(refunds);
      throw err;
    }
    for (const [table, states] of written) versions.remember(table, states);
  };
}

const PAYMENT_KIND_TABLES = new Map<PaymentKind, ObjectTable>();

/** One object per table and kind, so a batch groups by it. */
function tableOf(kind: PaymentKind): ObjectTable {
  if (DISPUTE_KINDS.has(kind)) return DISPUTES;
  if (PAYOUT_KINDS.has(kind)) return PAYOUTS;
  let table = PAYMENT_KIND_TABLES.get(kind);
  if (!table) PAYMENT_KIND_TABLES.set(kind, (table = { table: "payments", idColumn: "object_id", kind }));
  return table;
}

async function writeState(sender: Parameters<BatchHandler>[1], table: ObjectTable, event: PaymentEvent) {
  if (table === DISPUTES) return writeDisputeRow(sender, event);
  if (table === PAYOUTS) return writePayoutRow(sender, event);
  return writePaymentRow(sender, event, "", event.payment.amountMinor);
}
