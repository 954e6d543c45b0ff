import { rollupViewDdl } from "../rollup-view.ts";
import { TRACKING_ROLLUP } from "./rollups.ts";

/**
 * Parcels' tracking, one row per step a carrier reported (keyed by when it happened, so a replayed
 * or redelivered update rewrites its rows instead of adding). A parcel's status now is its newest
 * row (`LATEST ON at PARTITION BY tracking_number`); the row of the newest step also carries the
 * ETA and delivery time as the shipper gave them then. Kept two years like `shipments`. No
 * recipient and no location: the canonical event has none to give.
 */
export const TRACKING_TABLES = [
  `CREATE TABLE IF NOT EXISTS tracking_events (
    at TIMESTAMP,
    shipper SYMBOL,
    account SYMBOL,
    tracking_number VARCHAR,
    status SYMBOL,
    substatus SYMBOL,
    carrier SYMBOL,
    shipment_id VARCHAR,
    order_ref VARCHAR,
    eta TIMESTAMP,
    delivered_at TIMESTAMP,
    updated_at TIMESTAMP,
    received_at TIMESTAMP
  ) TIMESTAMP(at) PARTITION BY DAY TTL 2 YEARS WAL
  DEDUP UPSERT KEYS(at, shipper, account, tracking_number, status)`,
  ...rollupViewDdl(TRACKING_ROLLUP),
] as const;
