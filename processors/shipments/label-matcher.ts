import type { Sender } from "@questdb/nodejs-client";
import type { Logger } from "../../core/log.ts";
import { shopPartition, type Partition } from "../../core/partitions.ts";
import { sqlString, type QuestDb } from "../../core/questdb.ts";
import type { Label } from "./label.ts";
import { writeLabelOrder } from "./label-orders.ts";
import { findOrders, type LabelRef } from "./order-lookup.ts";
import { FIRST_RETRY_MS, GIVE_UP_AFTER_MS, UnresolvedLabels } from "./unresolved.ts";

/**
 * Matches labels with their orders into `label_orders`: each label state the shipment handler
 * writes, then again later for those whose order had not arrived (or was not yet applied in QuestDB).
 * The handler and the retries take turns, so a retry never writes an older state of a label over a
 * newer one the handler wrote.
 */
export class LabelMatcher {
  readonly unresolved: UnresolvedLabels;
  private readonly db: QuestDb;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(db: QuestDb, unresolved = new UnresolvedLabels()) {
    this.db = db;
    this.unresolved = unresolved;
  }

  /** Writes a row per (label, order) pair through `sender` and flushes; labels without one wait. */
  match(labels: readonly Label[], sender: Sender): Promise<{ matched: number; waiting: number }> {
    return this.inTurn(() => this.matchNow(labels, sender));
  }

  /** Looks again for the orders of the labels that are due. */
  retry(sender: Sender, now = Date.now()): Promise<{ matched: number; waiting: number }> {
    return this.inTurn(() => this.matchNow(this.unresolved.due(now), sender, now, true));
  }

  /**
   * After a restart: the partition's labels received in the last GIVE_UP_AFTER_MS (and bought in
   * the last 90 days) that name an order and have no row in `label_orders`, matched now (the rest
   * wait as any miss does). Call once the tables' WAL is applied, so a state written before the
   * restart is the one read.
   */
  async resume(sender: Sender, partition: Partition): Promise<{ matched: number; waiting: number }> {
    const labels = (await unmatchedLabels(this.db)).filter(
      (l) => shopPartition(l.shipper, l.account, partition.count) === partition.index,
    );
    return this.match(labels, sender);
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const result = this.turn.then(work);
    // The caller gets the failure; the next turn only needs this one to have finished.
    this.turn = result.catch(() => undefined);
    return result;
  }

  private async matchNow(labels: readonly Label[], sender: Sender, now = Date.now(), retried = false) {
    const withRef = labels.filter((l) => l.shipment.orderRef);
    if (!withRef.length) return { matched: 0, waiting: this.unresolved.size };
    const refs = new Map<LabelRef, Label>(
      withRef.map((l) => [{ ref: l.shipment.orderRef!, createdAt: l.shipment.createdAt }, l]),
    );
    const found = await findOrders(this.db, [...refs.keys()]);
    let matched = 0;
    for (const [ref, orders] of found) {
      const label = refs.get(ref)!;
      for (const order of orders) await writeLabelOrder(sender, label, order);
      if (orders.length) matched += 1;
    }
    await sender.flush();
    for (const [ref, orders] of found) {
      const label = refs.get(ref)!;
      if (orders.length) this.unresolved.forget(label);
      else this.unresolved.miss(label, now, retried);
    }
    return { matched, waiting: this.unresolved.size };
  }
}

type ShipmentRow = [
  string,
  string,
  string,
  string,
  string | null,
  string | null,
  string | null,
  string,
  number,
  string,
  string | null,
  string | null,
  boolean,
  string,
];

/** Labels bought this long ago at most are looked for after a restart: the hot days of history. */
const RESUME_BOUGHT_WITHIN_MS = 90 * 86_400_000;

async function unmatchedLabels(db: QuestDb): Promise<Label[]> {
  const received = sqlString(new Date(Date.now() - GIVE_UP_AFTER_MS).toISOString());
  const bought = sqlString(new Date(Date.now() - RESUME_BOUGHT_WITHIN_MS).toISOString());
  const rows = await db.exec<ShipmentRow>(
    `SELECT s.shipper, s.account, s.shipment_id, s.order_ref, s.carrier, s.service, s.tracking_number,
       s.currency, s.label_cost_minor, s.created_at, s.shipped_at, s.voided_at, s.is_return, s.updated_at
     FROM (SELECT * FROM shipments
       WHERE created_at >= ${bought} AND received_at >= ${received} AND order_ref IS NOT NULL) s
     LEFT JOIN (SELECT shipper, account, shipment_id FROM label_orders WHERE created_at >= ${bought}) m
       ON (shipper, account, shipment_id)
     WHERE m.shipment_id IS NULL`,
    { timeoutMs: 120_000 },
  );
  return rows.dataset.map((r) => ({
    shipper: r[0],
    account: r[1],
    shipment: {
      shipmentId: r[2],
      orderRef: r[3],
      carrier: r[4],
      service: r[5],
      trackingNumber: r[6],
      currency: r[7],
      labelCostMinor: r[8],
      createdAt: r[9],
      shippedAt: r[10],
      voidedAt: r[11],
      isReturn: r[12],
      updatedAt: r[13],
    },
  }));
}

/** Retries on a timer, through a sender of their own; logs what each pass matched. */
export function startLabelRetries(options: {
  matcher: LabelMatcher;
  sender: Sender;
  log: Logger;
  everyMs?: number;
}): { stop(): Promise<void> } {
  const { matcher, sender, log } = options;
  let running: Promise<unknown> = Promise.resolve();
  const reported = { gaveUp: 0, droppedForRoom: 0 };
  /** Labels let go since the last pass: they count nowhere but here, so they are said once. */
  const reportLetGo = () => {
    const { gaveUp, droppedForRoom } = matcher.unresolved;
    if (gaveUp === reported.gaveUp && droppedForRoom === reported.droppedForRoom) return;
    log.warn(
      {
        gaveUp: gaveUp - reported.gaveUp,
        droppedForRoom: droppedForRoom - reported.droppedForRoom,
        totalGaveUp: gaveUp,
        totalDroppedForRoom: droppedForRoom,
      },
      "labels no order was found for are no longer looked up (two days of misses, or the waiting list full)",
    );
    Object.assign(reported, { gaveUp, droppedForRoom });
  };
  const timer = setInterval(() => {
    reportLetGo();
    if (!matcher.unresolved.anyDue()) return;
    running = matcher.retry(sender).then(
      (r) => {
        if (r.matched) log.info(r, "labels matched with orders that arrived after them");
        reportLetGo();
      },
      (err: unknown) => log.warn({ err: String(err) }, "matching labels with late orders failed; will retry"),
    );
  }, options.everyMs ?? FIRST_RETRY_MS);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await sender.close();
    },
  };
}
