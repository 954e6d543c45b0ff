import type { FactRollup, RollupView } from "../rollup-view.ts";

/**
 * Hourly and daily rollups of the shipping facts, for the Fulfilment panels that add up long
 * ranges. Both fact tables are upserted by key, and QuestDB recomputes a view's bucket when one of
 * its rows is rewritten, so a redelivered label, a cost corrected or a void moves the bucket's
 * figures instead of adding to them. Kept two years, like the facts. Hours and days are UTC.
 */

const views = (prefix: string): RollupView[] => [
  { name: `${prefix}_1h`, bucket: "1h", partitionBy: "MONTH" },
  { name: `${prefix}_1d`, bucket: "1d", partitionBy: "YEAR" },
];

/** Live labels (voided ones left out, as the panels do) per shipper account, carrier, service and currency. */
export const SHIPMENT_ROLLUP: FactRollup = {
  facts: "shipments",
  ts: "created_at",
  where: "voided_at IS NULL",
  keys: ["shipper", "account", "carrier", "service", "currency"],
  measures: {
    labels: "1L",
    returns: "CASE WHEN is_return THEN 1L ELSE 0L END",
    label_cost_minor: "label_cost_minor",
  },
  views: views("shipments"),
  ttl: "2 YEARS",
};

/**
 * Tracking steps as carriers reported them, per shipper account and carrier: how many parcels were
 * delivered, hit a delivery exception (FAILURE) or went back to the sender (RETURNED). A step is
 * one `tracking_events` row, keyed by parcel, status and time, so each update's repeated history
 * rewrites its steps rather than counting them again.
 */
export const TRACKING_ROLLUP: FactRollup = {
  facts: "tracking_events",
  ts: "at",
  keys: ["shipper", "account", "carrier"],
  measures: {
    steps: "1L",
    delivered: "CASE WHEN status = 'DELIVERED' THEN 1L ELSE 0L END",
    exceptions: "CASE WHEN status = 'FAILURE' THEN 1L ELSE 0L END",
    returned: "CASE WHEN status = 'RETURNED' THEN 1L ELSE 0L END",
  },
  views: views("tracking"),
  ttl: "2 YEARS",
};

/** Every rollup view's name, for code that waits on them. */
export const SHIPPING_VIEWS = [SHIPMENT_ROLLUP, TRACKING_ROLLUP].flatMap((r) => r.views.map((v) => v.name));
