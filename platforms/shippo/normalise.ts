import type { Shipment, Tracking } from "../../core/events.ts";
import { toMinorUnits } from "../../core/money.ts";
import { orderReference } from "../../core/order-ref.ts";
import type { ShippoTrack, ShippoTransaction } from "./payload.ts";

const iso = (text: string) => new Date(text).toISOString();

/** Transaction states that are a bought label; the rest (queued, waiting, error) are not yet one. */
const LABEL_STATES = new Set(["SUCCESS", "REFUNDED", "REFUNDPENDING", "REFUNDREJECTED"]);

/**
 * The order a Shippo object is for. Shippo passes on `metadata` as the shop set it; its own examples
 * write `Order 000123`, so a leading "Order" word is not part of the reference.
 */
export function shippoOrderRef(metadata: string | null | undefined): string | null {
  return orderReference([metadata?.replace(/^\s*order\s*(no\.?|number)?\s*:?\s*/i, "")]);
}

/** A label bought through Shippo as the canonical `shipment`; null for a transaction that is not a label yet. */
export function normaliseTransaction(tx: ShippoTransaction, fallbackCurrency: string): Shipment | null {
  if (!LABEL_STATES.has(tx.status)) return null;
  const rate = typeof tx.rate === "object" && tx.rate !== null ? tx.rate : null;
  const currency = rate?.currency ?? fallbackCurrency;
  const createdAt = iso(tx.object_created);
  const updatedAt = tx.object_updated ? iso(tx.object_updated) : createdAt;
  return {
    shipmentId: tx.object_id,
    orderRef: shippoOrderRef(tx.metadata),
    carrier: rate?.provider?.toLowerCase() ?? null,
    service: rate?.servicelevel_token ?? rate?.servicelevel_name ?? null,
    trackingNumber: tx.tracking_number || null,
    currency,
    labelCostMinor: rate ? toMinorUnits(rate.amount, currency) : 0,
    // A Shippo label is printed to go out: it counts as shipped when bought.
    createdAt,
    shippedAt: createdAt,
    voidedAt: tx.status === "REFUNDED" ? updatedAt : null,
    isReturn: false,
    updatedAt: updatedAt > createdAt ? updatedAt : createdAt,
  };
}

/** A `track_updated` as the canonical `tracking`; null while the carrier has reported nothing datable. */
export function normaliseTrack(track: ShippoTrack): Tracking | null {
  const steps = track.tracking_history
    .filter((s) => s.status_date)
    .map((s) => ({
      status: s.status,
      substatus: s.substatus?.code.slice(0, 64) ?? null,
      at: iso(s.status_date!),
    }))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const current = track.tracking_status;
  const now =
    current?.status_date != null
      ? {
          status: current.status,
          substatus: current.substatus?.code.slice(0, 64) ?? null,
          at: iso(current.status_date),
        }
      : steps.at(-1);
  if (!now) return null;
  const delivered = [...steps, now].filter((s) => s.status === "DELIVERED").at(-1);
  return {
    trackingNumber: track.tracking_number,
    carrier: track.carrier.toLowerCase(),
    shipmentId: track.transaction || null,
    orderRef: shippoOrderRef(track.metadata),
    status: now.status,
    substatus: now.substatus,
    at: now.at,
    eta: track.eta ? iso(track.eta) : null,
    deliveredAt: delivered?.at ?? null,
    history: steps.slice(-100),
  };
}
