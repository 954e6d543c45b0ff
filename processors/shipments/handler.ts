import type { Sender } from "@questdb/nodejs-client";
import type { CanonicalEvent } from "../../core/events.ts";
import type { Logger } from "../../core/log.ts";
import { toMicros, type QuestDb } from "../../core/questdb.ts";
import type { BatchHandler } from "../consumer.ts";
import { latestStateHandler } from "../latest-state-handler.ts";
import type { ObjectTable } from "../object-versions.ts";
import { labelOf } from "./label.ts";
import { LabelMatcher } from "./label-matcher.ts";

type ShipmentEvent = Extract<CanonicalEvent, { type: "shipment" }>;

const SHIPMENTS: ObjectTable = { table: "shipments", idColumn: "shipment_id", scope: ["shipper", "account"] };

/**
 * Writes `shipments` rows for a batch; a state older than the stored one is dropped (and acked).
 * Then matches the written states with their orders (`label_orders`, through `matcher`).
 */
export function shipmentsHandler(db: QuestDb, log: Logger, matcher = new LabelMatcher(db)): BatchHandler {
  return latestStateHandler(db, log, {
    type: "shipment",
    table: SHIPMENTS,
    state: (event) => ({ objectId: event.shipment.shipmentId, updatedAt: event.shipment.updatedAt }),
    write: writeShipmentRow,
    staleMessage: "stale shipments ignored",
    staleLevel: "debug",
    afterWrite: async (fresh, sender) => {
      await matcher.match(fresh.map(labelOf), sender);
    },
  });
}
async function writeShipmentRow(sender: Sender, event: ShipmentEvent): Promise<void> {
  const s = event.shipment;
  const row = sender
    .table("shipments")
    .symbol("shipper", event.platform)
    .symbol("account", event.shop)
    .symbol("currency", s.currency);
  if (s.carrier) row.symbol("carrier", s.carrier);
  if (s.service) row.symbol("service", s.service);
  row
    .stringColumn("shipment_id", s.shipmentId)
    .intColumn("label_cost_minor", s.labelCostMinor)
    .booleanColumn("is_return", s.isReturn)
    .timestampColumn("updated_at", toMicros(s.updatedAt), "us")
    .timestampColumn("received_at", toMicros(event.receivedAt), "us");
  if (s.orderRef) row.stringColumn("order_ref", s.orderRef);
  if (s.trackingNumber) row.stringColumn("tracking_number", s.trackingNumber);
  if (s.shippedAt) row.timestampColumn("shipped_at", toMicros(s.shippedAt), "us");
  if (s.voidedAt) row.timestampColumn("voided_at", toMicros(s.voidedAt), "us");
  await row.at(toMicros(s.createdAt), "us");
}
