import type { Sender } from "@questdb/nodejs-client";
import type { CanonicalEvent } from "../../core/events.ts";
import type { Logger } from "../../core/log.ts";
import { toMicros, type QuestDb } from "../../core/questdb.ts";
import type { BatchHandler } from "../consumer.ts";
import { latestStateHandler } from "../latest-state-handler.ts";
import type { ObjectTable } from "../object-versions.ts";

type TrackingEvent = Extract<CanonicalEvent, { type: "tracking" }>;

const TRACKING: ObjectTable = {
  table: "tracking_events",
  idColumn: "tracking_number",
  scope: ["shipper", "account"],
};

/**
 * Writes `tracking_events` for a batch. Shippo does not promise order: an update whose newest step
 * is older than the stored one is dropped (and acked), so a parcel's ETA and status never go back.
 */
export function trackingHandler(db: QuestDb, log: Logger): BatchHandler {
  return latestStateHandler(db, log, {
    type: "tracking",
    table: TRACKING,
    state: (event) => ({ objectId: event.tracking.trackingNumber, updatedAt: event.tracking.at }),
    write: writeTrackingRows,
    staleMessage: "tracking updates older than the stored state dropped",
  });
}

async function writeTrackingRows(sender: Sender, event: TrackingEvent): Promise<void> {
  const t = event.tracking;
  // Earlier steps as history rows; the newest step last, with what the shipper says now.
  const newest = Date.parse(t.at);
  const earlier = t.history.filter((step) => Date.parse(step.at) < newest);
  for (const step of [...earlier, { status: t.status, substatus: t.substatus, at: t.at }]) {
    const row = sender
      .table("tracking_events")
      .symbol("shipper", event.platform)
      .symbol("account", event.shop)
      .symbol("status", step.status);
    if (step.substatus) row.symbol("substatus", step.substatus);
    if (t.carrier) row.symbol("carrier", t.carrier);
    row
      .stringColumn("tracking_number", t.trackingNumber)
      .timestampColumn("updated_at", toMicros(t.at), "us")
      .timestampColumn("received_at", toMicros(event.receivedAt), "us");
    if (t.shipmentId) row.stringColumn("shipment_id", t.shipmentId);
    if (t.orderRef) row.stringColumn("order_ref", t.orderRef);
    if (Date.parse(step.at) === newest && t.eta) row.timestampColumn("eta", toMicros(t.eta), "us");
    if (t.deliveredAt && Date.parse(step.at) >= Date.parse(t.deliveredAt))
      row.timestampColumn("delivered_at", toMicros(t.deliveredAt), "us");
    await row.at(toMicros(step.at), "us");
  }
}
