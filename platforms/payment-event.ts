import { EVENT_VERSION, type CanonicalEvent } from "../core/events.ts";
import type { Payment } from "../core/payment-events.ts";

/** The canonical `payment` event for one processor object state; its id is the processor's event id. */
export function paymentEvent(
  shop: string,
  eventId: string,
  payment: Payment,
  receivedAt: string,
): CanonicalEvent {
  return {
    v: EVENT_VERSION,
    platform: payment.processor,
    shop,
    type: "payment",
    eventId,
    receivedAt,
    payment,
  };
}
