import { orderReferenceSql } from "../../core/order-ref.ts";
import { sqlString, type QuestDb } from "../../core/questdb.ts";
import { SHIPPING_MATCH_DAYS } from "../../grafana/sql/order-match.ts";

const DAY = 86_400_000;

/** An order a label's reference names: what the Fulfilment panels need of it. */
export interface MatchedOrder {
  platform: string;
  shop: string;
  orderId: string;
  createdAt: string;
  currency: string;
  shippingMinor: number | null;
  test: boolean;
}

/** A label to match: its normalised reference and when it was bought. */
export interface LabelRef {
  ref: string;
  createdAt: string;
}

/**
 * References per query: an `IN` list QuestDB compares every scanned row with, so long lists cost
 * more per row than they save in queries.
 */
const REFS_PER_QUERY = 200;
/** Labels bought further apart than this are looked up apart: every query scans its window plus two match windows of orders. */
const SPAN_PER_QUERY = 7 * DAY;

/**
 * Days of orders around a label's purchase looked at first: a label is bought within hours or days
 * after its order. Only labels with no order there are looked up across the whole match window, so
 * most lookups read a few days of `orders` instead of two months.
 */
const NEAR: Window = { beforeMs: 3 * DAY, afterMs: DAY };
const WHOLE: Window = { beforeMs: SHIPPING_MATCH_DAYS * DAY, afterMs: SHIPPING_MATCH_DAYS * DAY };

interface Window {
  beforeMs: number;
  afterMs: number;
}

/**
 * The orders each label's reference names: those placed from 3 days before to a day after the label
 * was bought, or, when there are none, within `SHIPPING_MATCH_DAYS` of it either way (the
 * Fulfilment panels' window, grafana/sql/order-match.ts). The nearer orders win because a number
 * two shops both use belongs, on one label, to the order it was bought for, not to both. Labels are
 * queried in groups of nearby purchase times, so QuestDB reads only those days of `orders` by its
 * designated timestamp; rows written before `order_ref` existed are matched by the same rule in SQL.
 */
export async function findOrders(
  db: QuestDb,
  labels: readonly LabelRef[],
): Promise<Map<LabelRef, MatchedOrder[]>> {
  const found = await findWithin(db, labels, NEAR);
  const far = await findWithin(
    db,
    labels.filter((l) => !found.get(l)!.length),
    WHOLE,
  );
  for (const [label, orders] of far) found.set(label, orders);
  return found;
}

async function findWithin(db: QuestDb, labels: readonly LabelRef[], window: Window) {
  const found = new Map<LabelRef, MatchedOrder[]>();
  for (const group of nearbyGroups(labels)) {
    const byRef = await queryGroup(db, group, window);
    for (const label of group) {
      const at = Date.parse(label.createdAt);
      const orders = (byRef.get(label.ref) ?? []).filter((o) => {
        const placed = Date.parse(o.createdAt);
        return placed >= at - window.beforeMs && placed <= at + window.afterMs;
      });
      found.set(label, orders);
    }
  }
  return found;
}

/** Labels sorted by purchase time, cut into groups of at most REFS_PER_QUERY refs within SPAN_PER_QUERY. */
function nearbyGroups(labels: readonly LabelRef[]): LabelRef[][] {
  const sorted = [...labels].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  const groups: LabelRef[][] = [];
  let group: LabelRef[] = [];
  let refs = new Set<string>();
  for (const label of sorted) {
    const first = group[0];
    const moreRefs = !refs.has(label.ref) && refs.size >= REFS_PER_QUERY;
    if (first && (moreRefs || Date.parse(label.createdAt) - Date.parse(first.createdAt) > SPAN_PER_QUERY)) {
      groups.push(group);
      group = [];
      refs = new Set();
    }
    group.push(label);
    refs.add(label.ref);
  }
  if (group.length) groups.push(group);
  return groups;
}

type OrderRow = [string, string, string, string, string, string, number | null, boolean | null];

async function queryGroup(
  db: QuestDb,
  group: LabelRef[],
  window: Window,
): Promise<Map<string, MatchedOrder[]>> {
  const times = group.map((l) => Date.parse(l.createdAt));
  const from = new Date(Math.min(...times) - window.beforeMs).toISOString();
  const to = new Date(Math.max(...times) + window.afterMs).toISOString();
  const refs = [...new Set(group.map((l) => l.ref))].map(sqlString).join(",");
  const rows = await db.exec<OrderRow>(
    `SELECT coalesce(order_ref, ${orderReferenceSql("order_number")}) AS ref, platform, shop, order_id,
       created_at, currency, shipping_minor, test
     FROM orders
     WHERE created_at >= ${sqlString(from)} AND created_at <= ${sqlString(to)}
       AND (order_ref IN (${refs}) OR (order_ref IS NULL AND order_number IS NOT NULL
         AND ${orderReferenceSql("order_number")} IN (${refs})))`,
  );
  const byRef = new Map<string, MatchedOrder[]>();
  for (const [ref, platform, shop, orderId, createdAt, currency, shipping, test] of rows.dataset) {
    const order = {
      platform,
      shop,
      orderId,
      createdAt,
      currency,
      shippingMinor: shipping,
      test: test ?? false,
    };
    byRef.set(ref, [...(byRef.get(ref) ?? []), order]);
  }
  return byRef;
}
