import { createHash } from "node:crypto";
import { decimalString } from "../../../demo/decimal.ts";
import type { DemoOrder } from "../../adapter.ts";

/**
 * The demo PayPal account's webhook events (Webhooks event names; Payments v2 capture and refund
 * resources): amounts as decimal strings with `currency_code`, `custom_id` = the shop's order id and,
 * for WooCommerce, `invoice_id` = its "WC-" prefixed number, as WooCommerce PayPal Payments sets
 * them; the payer's (made-up) name and email beside them, which our parser drops. Ids are derived
 * from the order, so a replay of one seed sends the same events.
 */

export const paypalId = (...parts: (string | number)[]) =>
  createHash("sha256").update(parts.join(":")).digest("hex").slice(0, 17).toUpperCase();

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
const money = (minor: number, currency: string) => ({
  currency_code: currency,
  value: decimalString(minor, currency),
});
const api = "https://api.paypal.com";

export interface DemoCapture {
  id: string;
  order: DemoOrder;
  amountMinor: number;
  at: number;
}

function references(order: DemoOrder) {
  return {
    custom_id: order.reference,
    ...(order.platform === "woocommerce" ? { invoice_id: `WC-${order.reference}` } : {}),
  };
}

export function captureResource(capture: DemoCapture) {
  const { order } = capture;
  const s = order.spec.shopper;
  return {
    id: capture.id,
    amount: money(capture.amountMinor, order.currency),
    final_capture: true,
    seller_protection: {
      status: "ELIGIBLE",
      dispute_categories: ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"],
    },
    ...references(order),
    status: "COMPLETED",
    create_time: iso(capture.at),
    update_time: iso(capture.at),
    payer: { email_address: s.email, name: { given_name: s.firstName, surname: s.lastName } },
    links: [{ href: `${api}/v2/payments/captures/${capture.id}`, rel: "self", method: "GET" }],
  };
}

export function refundResource(capture: DemoCapture, refundId: string, minor: number, at: number) {
  return {
    id: refundId,
    amount: money(minor, capture.order.currency),
    ...references(capture.order),
    status: "COMPLETED",
    create_time: iso(at),
    update_time: iso(at),
    links: [
      { href: `${api}/v2/payments/refunds/${refundId}`, rel: "self", method: "GET" },
      { href: `${api}/v2/payments/captures/${capture.id}`, rel: "up", method: "GET" },
    ],
  };
}

export function paypalEvent(id: string, eventType: string, resource: object, at: number) {
  return {
    id,
    event_version: "1.0",
    create_time: iso(at),
    resource_type: eventType === "PAYMENT.CAPTURE.REFUNDED" ? "refund" : "capture",
    resource_version: "2.0",
    event_type: eventType,
    summary:
      eventType === "PAYMENT.CAPTURE.REFUNDED" ? "A payment capture was refunded" : "Payment completed",
    resource,
    links: [{ href: `${api}/v1/notifications/webhooks-events/${id}`, rel: "self", method: "GET" }],
  };
}
