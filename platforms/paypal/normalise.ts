import { toMinorUnits } from "../../core/money.ts";
import type { OrderRef, Payment } from "../../core/payment-events.ts";
import { orderReference } from "../../core/order-ref.ts";
import { parsePayload } from "../adapter.ts";
import { PayPalCapture, PayPalRefund, type PayPalEvent } from "./payload.ts";

export const PLATFORM = "paypal";

/** Which resource fields may hold the shop's order reference, first present wins. */
export type OrderRefFields = readonly ("custom_id" | "invoice_id")[];

const CAPTURE_EVENTS = new Set([
  "PAYMENT.CAPTURE.COMPLETED",
  "PAYMENT.CAPTURE.PENDING",
  "PAYMENT.CAPTURE.DENIED",
]);
/** A reversal takes a capture's money back like a refund does; its status says which it was. */
const REFUND_EVENTS = new Set(["PAYMENT.CAPTURE.REFUNDED", "PAYMENT.CAPTURE.REVERSED"]);

export function paypalTopicHandled(type: string): boolean {
  return CAPTURE_EVENTS.has(type) || REFUND_EVENTS.has(type);
}

type Money = { currency_code: string; value: string };

/** A fee or net in the payment's own currency, or null (PayPal converts some into the merchant's). */
function sameCurrency(money: Money | undefined, currency: string): number | null {
  return money && money.currency_code === currency ? toMinorUnits(money.value, currency) : null;
}

/** The capture a refund belongs to: its `up` link ends in `/v2/payments/captures/<id>`. */
function captureIdOf(links: { href: string; rel: string }[]): string | null {
  const up = links.find((l) => l.rel === "up")?.href;
  const match = up ? /\/captures\/([A-Za-z0-9-]{1,64})\/?$/.exec(up) : null;
  return match?.[1] ?? null;
}

function orderRefOf(
  resource: { custom_id?: string | undefined; invoice_id?: string | undefined },
  fields: OrderRefFields,
): OrderRef | null {
  const orderId = orderReference(fields.map((f) => resource[f]));
  return orderId ? { orderId, site: null } : null;
}

/** The payment state a verified PayPal event carries (callers check the topic first). */
export function paypalPayment(event: PayPalEvent, fields: OrderRefFields): Payment {
  const what = `paypal ${event.event_type}`;
  if (CAPTURE_EVENTS.has(event.event_type)) {
    const capture = parsePayload(PayPalCapture, event.resource, what);
    const currency = capture.amount.currency_code;
    return {
      processor: PLATFORM,
      kind: "captured",
      objectId: capture.id,
      paymentId: capture.id,
      amountMinor: toMinorUnits(capture.amount.value, currency),
      feeMinor: sameCurrency(capture.seller_receivable_breakdown?.paypal_fee, currency),
      netMinor: sameCurrency(capture.seller_receivable_breakdown?.net_amount, currency),
      cumulativeMinor: null,
      currency,
      status: capture.status,
      at: capture.create_time,
      updatedAt: capture.update_time ?? event.create_time,
      orderRef: orderRefOf(capture, fields),
    };
  }
  const refund = parsePayload(PayPalRefund, event.resource, what);
  const currency = refund.amount.currency_code;
  return {
    processor: PLATFORM,
    kind: "refunded",
    objectId: refund.id,
    paymentId: captureIdOf(refund.links),
    amountMinor: toMinorUnits(refund.amount.value, currency),
    feeMinor: sameCurrency(refund.seller_payable_breakdown?.paypal_fee, currency),
    netMinor: sameCurrency(refund.seller_payable_breakdown?.net_amount, currency),
    cumulativeMinor: null,
    currency,
    status: event.event_type === "PAYMENT.CAPTURE.REVERSED" ? "REVERSED" : refund.status,
    at: refund.create_time,
    updatedAt: refund.update_time ?? event.create_time,
    orderRef: orderRefOf(refund, fields),
  };
}
