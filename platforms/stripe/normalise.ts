import type { OrderRef, Payment, PaymentKind } from "../../core/payment-events.ts";
import { orderReference } from "../../core/order-ref.ts";
import { parsePayload } from "../adapter.ts";
import { stripeToMinor } from "./amounts.ts";
import {
  StripeCharge,
  StripeDispute,
  StripePaymentIntent,
  StripePayout,
  type StripeBalanceTransaction,
  type StripeEvent,
} from "./payload.ts";

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
const FAILURE_EVENTS = new Set(["charge.failed", "payment_intent.payment_failed"]);

/** The event types we turn into payments (also what the catch-up asks `GET /v1/events` for; at most 20). */
export const STRIPE_TYPES: readonly string[] = [
  ...CHARGE_CAPTURED,
  "charge.refunded",
  ...DISPUTE_EVENTS,
  ...PAYOUT_EVENTS,
  ...FAILURE_EVENTS,
];
const HANDLED = new Set(STRIPE_TYPES);

/** The topics we turn into payments; any other is acknowledged and ignored. */
export function stripeTopicHandled(type: string): boolean {
  return HANDLED.has(type);
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
  const orderId = orderReference(keys.orderKeys.map((k) => metadata[k]));
  if (!orderId) return null;
  const site = keys.siteKeys.map((k) => metadata[k]).find((v) => v !== undefined && v !== "");
  return { orderId, site: site ? siteOf(site).slice(0, 255) : null };
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

  if (FAILURE_EVENTS.has(event.type)) return stripeFailure(event, keys);
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

/**
 * A declined attempt to pay, once: every declined card attempt is a failed charge (charge.failed),
 * and payment_intent.payment_failed names the same attempt as its `latest_charge`, so the intent
 * counts only when no charge was made (it failed before one, e.g. authentication).
 */
function stripeFailure(event: StripeEvent, keys: OrderRefKeys): Payment | null {
  const what = `stripe ${event.type}`;
  const updatedAt = iso(event.created);
  const base = {
    processor: PLATFORM,
    kind: "failed" as const,
    feeMinor: null,
    netMinor: null,
    cumulativeMinor: null,
  };
  if (event.type === "charge.failed") {
    const charge = parsePayload(StripeCharge, event.data.object, what);
    return {
      ...base,
      objectId: charge.id,
      paymentId: charge.id,
      amountMinor: stripeToMinor(charge.amount, charge.currency),
      currency: charge.currency,
      status: charge.status,
      at: iso(charge.created),
      updatedAt,
      orderRef: orderRefFrom(charge.metadata, keys),
    };
  }
  const intent = parsePayload(StripePaymentIntent, event.data.object, what);
  if (intent.latest_charge) return null;
  return {
    ...base,
    objectId: intent.id,
    paymentId: intent.id,
    amountMinor: stripeToMinor(intent.amount, intent.currency),
    currency: intent.currency,
    status: "failed",
    at: iso(intent.created),
    updatedAt,
    orderRef: orderRefFrom(intent.metadata, keys),
  };
}

/**
 * A charge's fee and net as their own `fee` row, keyed by the balance transaction: a capture's row is
 * rewritten whole by every later state of the charge, which would drop a fee written into it. In the
 * transaction's currency (the account's settlement currency, which may differ from the charge's).
 */
export function stripeFee(txn: StripeBalanceTransaction, fetchedAt: string): Payment {
  return {
    processor: PLATFORM,
    kind: "fee",
    objectId: txn.id,
    paymentId: txn.source,
    amountMinor: stripeToMinor(txn.fee, txn.currency),
    feeMinor: stripeToMinor(txn.fee, txn.currency),
    netMinor: stripeToMinor(txn.net, txn.currency),
    cumulativeMinor: null,
    currency: txn.currency,
    status: txn.status,
    at: iso(txn.created),
    // `pending` becomes `available` later; the newest fetch wins.
    updatedAt: fetchedAt,
    orderRef: null,
  };
}
