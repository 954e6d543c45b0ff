import { rollupViewDdl } from "../rollup-view.ts";
import { LABEL_ORDER_TABLES } from "./label-orders.ts";
import { SHIPMENT_ROLLUP } from "./rollups.ts";

/**
 * Shipping facts (the ShipStation source; shippers share the table). Keyed by the label's creation
 * time, which never changes for a shipment, so a void or a redelivery rewrites the row instead of
 * adding one. Kept two years: time to ship and cost per carrier are compared across seasons.
 * No recipient data: the canonical event has none to give.
 */
export const SHIPMENT_TABLES = [
  `CREATE TABLE IF NOT EXISTS shipments (
    created_at TIMESTAMP,
    shipper SYMBOL,
    account SYMBOL,
    shipment_id VARCHAR,
    order_ref VARCHAR,
    carrier SYMBOL,
    service SYMBOL,
    tracking_number VARCHAR,
    currency SYMBOL,
    label_cost_minor LONG,
    shipped_at TIMESTAMP,
    voided_at TIMESTAMP,
    is_return BOOLEAN,
    updated_at TIMESTAMP,
    received_at TIMESTAMP
  ) TIMESTAMP(created_at) PARTITION BY DAY TTL 2 YEARS WAL
  DEDUP UPSERT KEYS(created_at, shipper, account, shipment_id)`,
  ...rollupViewDdl(SHIPMENT_ROLLUP),
  ...LABEL_ORDER_TABLES,
] as const;
