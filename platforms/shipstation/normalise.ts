import type { Shipment } from "../../core/events.ts";
import { toMinorUnits } from "../../core/money.ts";
import { orderReference } from "../../core/order-ref.ts";
import { zonedInstant } from "../../core/zoned.ts";
import type { SsShipment } from "./payload.ts";

/** ShipStation V1 states every time in Pacific time, with no offset. */
export const SHIPSTATION_ZONE = "America/Los_Angeles";

/** `2026-11-30T14:01:02.0000000` (Pacific) → the UTC instant. A bare date is its Pacific midnight. */
export function pacificInstant(text: string): string {
  const [date = "", time = "00:00:00"] = text.split("T");
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  const [hour, minute, second] = time.split(".")[0]!.split(":").map(Number) as [number, number, number];
  return new Date(zonedInstant(SHIPSTATION_ZONE, { year, month, day, hour, minute, second })).toISOString();
}

/**
 * A V1 shipment as the canonical `shipment`. V1 gives the ship date without a time, so a label
 * bought that day counts as shipped when it was bought; a later ship date counts from its midnight.
 */
export function normaliseShipment(shipment: SsShipment, currency: string): Shipment {
  const createdAt = pacificInstant(shipment.createDate);
  const shipDay = shipment.shipDate ? pacificInstant(shipment.shipDate.slice(0, 10)) : null;
  const shippedAt = shipDay === null ? null : shipDay > createdAt ? shipDay : createdAt;
  const voidedAt = shipment.voided && shipment.voidDate ? pacificInstant(shipment.voidDate) : null;
  const updatedAt = [createdAt, shippedAt, voidedAt]
    .filter((t): t is string => t !== null)
    .sort()
    .at(-1)!;
  return {
    shipmentId: String(shipment.shipmentId),
    orderRef: orderReference([shipment.orderNumber]),
    carrier: shipment.carrierCode ?? null,
    service: shipment.serviceCode ?? null,
    trackingNumber: shipment.trackingNumber || null,
    currency,
    labelCostMinor: toMinorUnits(shipment.shipmentCost ?? 0, currency),
    createdAt,
    shippedAt,
    voidedAt,
    isReturn: shipment.isReturnLabel ?? false,
    updatedAt,
  };
}
