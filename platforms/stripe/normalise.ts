import type { OrderRef, Payment, PaymentKind } from "../../core/payment-events.ts";
import { parsePayload } from "../adapter.ts";
import { stripeToMinor } from "./amounts.ts";
import { StripeCharge, StripeDispute, StripePayout, type StripeEvent } from "./payload.ts";

export const PLATFORM = "stripe";

export interface OrderRefKeys {
  /** Metadata keys that may hold the shop's order id, first present wins (`order_id` for WooCommerce's gateway). */
  orderKeys: readonly string[];
  /** Metadata keys that may hold the shop's site (`site_url`). */
  siteKeys: readonly string[];
}

const iso = (unix: number) => new Date(unix * 1000).toISOString();

const CHARGE_CAPTURED = new Set(["charge.succeeded", "charge.captured"]);
const DISPUTE_EVENTS = new Set([
  "charge.dispute.created",
  "charge.dispute.updated",
  "charge.dispute.closed",
  "charge.dispute.funds_withdrawn",
  "charge.dispute.funds_reinstated",
]);
const PAYOUT_EVENTS = new Set(["payout.paid", "payout.failed"]);

/** The topics we turn into payments; any other is acknowledged and ignored. */
export function stripeTopicHandled(type: string): boolean {
  return (
    CHARGE_CAPTURED.has(type) ||
    type === "charge.refunded" ||
    DISPUTE_EVENTS.has(type) ||
    PAYOUT_EVENTS.has(type)
  );
}

/** A site as the shop platforms name shops: the host of `https://shop.example/`. */
function siteOf(value: string): string {
  try {
    return new URL(value).host || value;
  } catch {
    return value;
  }
}

export function orderRefFrom(metadata: Record<string, string>, keys: OrderRefKeys): OrderRef | null {
  const orderId = keys.orderKeys.map((k) => metadata[k]).find((v) => v !== undefined && v !== "");
  if (!orderId) return null;
  const site = keys.siteKeys.map((k) => metadata[k]).find((v) => v !== undefined && v !== "");
  return { orderId: orderId.slice(0, 128), site: site ? siteOf(site).slice(0, 255) : null };
}

function disputeKind(type: string, status: string): PaymentKind {
  if (type === "charge.dispute.funds_reinstated") return "dispute_won";
  if (type !== "charge.dispute.closed") return "disputed";
  // `warning_closed`: an inquiry that never became a chargeback, so the money stayed.
  return status === "lost" ? "dispute_lost" : "dispute_won";
}

/** The payment state an event carries, or null when the event changes no money we count. */
export function stripePayment(event: StripeEvent, keys: OrderRefKeys): Payment | null {
  const object = event.data.object;
  const updatedAt = iso(event.created);
  const what = `stripe ${event.type}`;
  const base = { processor: PLATFORM, feeMinor: null, netMinor: null, cumulativeMinor: null, updatedAt };

  if (CHARGE_CAPTURED.has(event.type) || event.type === "charge.refunded") {
    const charge = parsePayload(StripeCharge, object, what);
    const common = {
      ...base,
      objectId: charge.id,
      paymentId: charge.id,
      currency: charge.currency,
      status: charge.status,
      orderRef: orderRefFrom(charge.metadata, keys),
    };
    if (event.type === "charge.refunded") {
      const total = stripeToMinor(charge.amount_refunded, charge.currency);
      // A refund's rows are keyed by when it was reported: the charge's creation would put it on the wrong day.
      return { ...common, kind: "refunded", amountMinor: total, cumulativeMinor: total, at: updatedAt };
    }
    // An authorisation not yet captured moves no money: charge.captured will.
    if (!charge.captured) return null;
    const amount = stripeToMinor(charge.amount_captured, charge.currency);
    return { ...common, kind: "captured", amountMinor: amount, at: iso(charge.created) };
  }
  if (DISPUTE_EVENTS.has(event.type)) {
    const dispute = parsePayload(StripeDispute, object, what);
    return {
      ...base,
      kind: disputeKind(event.type, dispute.status),
      objectId: dispute.id,
      paymentId: dispute.charge,
      amountMinor: stripeToMinor(dispute.amount, dispute.currency),
      currency: dispute.currency,
      status: dispute.status,
      at: iso(dispute.created),
      orderRef: null,
    };
  }
  if (PAYOUT_EVENTS.has(event.type)) {
    const payout = parsePayload(StripePayout, object, what);
    return {
      ...base,
      kind: event.type === "payout.failed" ? "payout_failed" : "payout",
      objectId: payout.id,
      paymentId: null,
      amountMinor: stripeToMinor(payout.amount, payout.currency),
      currency: payout.currency,
      status: payout.status,
      at: iso(payout.created),
      orderRef: null,
    };
  }
  return null;
}
