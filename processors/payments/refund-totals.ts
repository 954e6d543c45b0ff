import { sqlString, type QuestDb } from "../../core/questdb.ts";

export interface CumulativeRefund {
  processor: string;
  shop: string;
  /** The charge whose running refunded total this is. */
  objectId: string;
  cumulativeMinor: number;
}

const keyOf = (r: Omit<CumulativeRefund, "cumulativeMinor">) =>
  `${r.processor}\u0000${r.shop}\u0000${r.objectId}`;

/**
 * Stripe reports a charge's refunds as a running total (`amount_refunded`), on every charge.refunded,
 * retried and out of order. Revenue wants each refund once, at the time it was reported, so this
 * keeps the highest total already turned into rows per charge: a total at or below it adds nothing
 * (a duplicate, or an older state arriving late); a higher one adds exactly the difference.
 */
export class RefundTotals {
  private readonly known = new Map<string, number>();
  private readonly db: QuestDb;

  constructor(db: QuestDb) {
    this.db = db;
  }

  /** The highest total stored for each charge of `refunds` (0 when none), looked up once per charge. */
  async load(refunds: Omit<CumulativeRefund, "cumulativeMinor">[]): Promise<void> {
    const missing = refunds.filter((r) => !this.known.has(keyOf(r)));
    for (const [, group] of Map.groupBy(missing, (r) => `${r.processor}\u0000${r.shop}`)) {
      const first = group[0]!;
      const ids = [...new Set(group.map((r) => r.objectId))];
      for (const id of ids) this.known.set(keyOf({ ...first, objectId: id }), 0);
      const rows = await this.db.exec<[string, number]>(
        `SELECT object_id, max(cumulative_minor) FROM payments
         WHERE kind = 'refunded' AND processor = ${sqlString(first.processor)} AND shop = ${sqlString(first.shop)}
           AND object_id IN (${ids.map(sqlString).join(",")})`,
      );
      for (const [objectId, total] of rows.dataset) this.known.set(keyOf({ ...first, objectId }), total);
    }
  }

  /** What this total adds beyond the highest seen (call `load` first); records it as seen. */
  take(refund: CumulativeRefund): number {
    const key = keyOf(refund);
    const before = this.known.get(key) ?? 0;
    if (refund.cumulativeMinor <= before) return 0;
    this.known.set(key, refund.cumulativeMinor);
    return refund.cumulativeMinor - before;
  }

  /** A write that failed leaves what `take` recorded untrue: forget it, so the retry looks it up again. */
  forget(refunds: Omit<CumulativeRefund, "cumulativeMinor">[]): void {
    for (const r of refunds) this.known.delete(keyOf(r));
  }
}
