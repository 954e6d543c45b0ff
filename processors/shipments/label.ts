import type { CanonicalEvent, Shipment } from "../../core/events.ts";

/** A label's newest state and whose it is: from a shipment event, or read back from `shipments`. */
export interface Label {
  shipper: string;
  account: string;
  shipment: Shipment;
}

export const labelOf = (event: Extract<CanonicalEvent, { type: "shipment" }>): Label => ({
  shipper: event.platform,
  account: event.shop,
  shipment: event.shipment,
});
