import { orderReferenceSql } from "../core/order-ref.ts";
import { sqlString, type QuestDb } from "../core/questdb.ts";
import { openingStart } from "./measure.ts";
import { inScope, type Rule } from "./rules.ts";
import type { Observation } from "./state.ts";

/**
 * Shipping rules, read from `orders`, `shipments` and `tracking_events`: one subject per shop (orders
 * waiting for a label) or per shipper account and carrier (late parcels, exception rate), so a bad
 * day pages once rather than once a parcel. Orders join labels by the order-reference rule.
 */

type Of<K extends Rule["kind"]> = Extract<Rule, { kind: K }>;
const iso = (ms: number) => sqlString(new Date(ms).toISOString());
const HOUR = 3_600_000;
/** Orders older than this are not chased: a store that ships some orders elsewhere would page for ever. */
const UNSHIPPED_LOOKBACK_DAYS = 14;

const liveLabels = `(SELECT ${orderReferenceSql("order_ref")} AS ref, shipment_id FROM shipments
  WHERE voided_at IS NULL AND NOT is_return AND order_ref IS NOT NULL)`;
const parcelsNow = `(SELECT shipper, account, carrier, tracking_number, status, eta, delivered_at, at
  FROM tracking_events LATEST ON at PARTITION BY tracking_number)`;

/** Fires per shop when sales orders have waited longer than `hours` for a label, while the shop is open. */
export async function unshippedAfter(
  db: QuestDb,
  rule: Of<"unshipped_after">,
  now: number,
): Promise<Observation[]> {
  const rows = await db.rows<{ platform: string; shop: string; waiting: number; oldest: string }>(
    `SELECT o.platform, o.shop, count() AS waiting, min(o.created_at) AS oldest
     FROM (SELECT platform, shop, created_at, ${orderReferenceSql("order_number")} AS ref FROM orders
       WHERE status = 'sale' AND NOT test AND order_number IS NOT NULL
         AND created_at >= ${iso(now - UNSHIPPED_LOOKBACK_DAYS * 24 * HOUR)} AND created_at < ${iso(now - rule.hours * HOUR)}) o
     LEFT JOIN ${liveLabels} s ON (ref)
     WHERE s.shipment_id IS NULL
     GROUP BY o.platform, o.shop`,
  );
  // Outside trading hours nobody can ship: the incident waits for the shop to open.
  const open = !rule.openingHours || openingStart({ openingHours: rule.openingHours }, now) !== null;
  return rows
    .filter((r) => inScope(rule, r.platform, r.shop))
    .map((r) => {
      const waitedHours = Math.floor((now - Date.parse(r.oldest)) / HOUR);
      return {
        subject: `${r.platform}/${r.shop}`,
        platform: r.platform,
        shop: r.shop,
        sku: null,
        value: r.waiting,
        threshold: rule.minOrders,
        breached: open && r.waiting >= rule.minOrders,
        cleared: r.waiting === 0,
        summary: `${r.waiting} order${r.waiting === 1 ? "" : "s"} at ${r.shop} unshipped after ${rule.hours} h (oldest waiting ${waitedHours} h)`,
        details: { shop: r.shop, waiting: r.waiting, oldest: r.oldest, hours: rule.hours },
      };
    });
}

interface CarrierRow {
  shipper: string;
  account: string;
  carrier: string | null;
  parcels: number;
  flagged: number;
}

function carrierObservation(
  rule: Rule,
  r: CarrierRow,
  value: number,
  breached: boolean,
  cleared: boolean,
  summary: string,
): Observation {
  return {
    subject: `${r.shipper}/${r.account}/${r.carrier ?? "unknown"}`,
    platform: r.shipper,
    shop: r.account,
    sku: null,
    value,
    threshold:
      rule.kind === "exception_rate"
        ? rule.percent
        : rule.kind === "late_deliveries"
          ? rule.minParcels
          : null,
    breached,
    cleared,
    summary,
    details: {
      shipper: r.shipper,
      account: r.account,
      carrier: r.carrier,
      parcels: r.parcels,
      flagged: r.flagged,
    },
  };
}

/** Fires per carrier when parcels shipped in the look-back are past their ETA and still not delivered. */
export async function lateDeliveries(
  db: QuestDb,
  rule: Of<"late_deliveries">,
  now: number,
): Promise<Observation[]> {
  const rows = await db.rows<CarrierRow & Record<string, unknown>>(
    `SELECT shipper, account, carrier, count() AS parcels,
       sum(CASE WHEN eta < ${iso(now)} AND delivered_at IS NULL AND status NOT IN ('DELIVERED', 'RETURNED', 'FAILURE') THEN 1 ELSE 0 END) AS flagged
     FROM ${parcelsNow} WHERE at >= ${iso(now - rule.withinHours * HOUR)} AND eta IS NOT NULL
     GROUP BY shipper, account, carrier`,
  );
  return rows
    .filter((r) => inScope(rule, r.shipper, r.account))
    .map((r) =>
      carrierObservation(
        rule,
        r,
        r.flagged,
        r.flagged >= rule.minParcels,
        r.flagged === 0,
        `${r.flagged} ${r.carrier ?? "unknown carrier"} parcel${r.flagged === 1 ? "" : "s"} past ETA and not delivered (${r.shipper} ${r.account})`,
      ),
    );
}

/** Fires per carrier when the share of parcels in a delivery exception (FAILURE) passes `percent`. */
export async function exceptionRate(
  db: QuestDb,
  rule: Of<"exception_rate">,
  now: number,
): Promise<Observation[]> {
  const rows = await db.rows<CarrierRow & Record<string, unknown>>(
    `SELECT shipper, account, carrier, count() AS parcels,
       sum(CASE WHEN status = 'FAILURE' THEN 1 ELSE 0 END) AS flagged
     FROM ${parcelsNow} WHERE at >= ${iso(now - rule.withinHours * HOUR)}
     GROUP BY shipper, account, carrier`,
  );
  return rows
    .filter((r) => inScope(rule, r.shipper, r.account) && r.parcels >= rule.minParcels)
    .map((r) => {
      const pct = Math.round((1000 * r.flagged) / r.parcels) / 10;
      return carrierObservation(
        rule,
        r,
        pct,
        pct >= rule.percent,
        pct < rule.percent - rule.hysteresis,
        `${pct}% of ${r.carrier ?? "unknown carrier"} parcels in a delivery exception (${r.flagged} of ${r.parcels}, ${r.shipper} ${r.account})`,
      );
    });
}
