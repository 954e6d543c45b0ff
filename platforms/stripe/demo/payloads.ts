import { createHash } from "node:crypto";
import type { DemoOrder } from "../../adapter.ts";

/**
 * The demo Stripe account's objects as its webhooks carry them (API reference: Event, Charge,
 * Dispute, Payout): amounts in the currency's minor unit, currencies in lower case, the charge's
 * `metadata.order_id` / `site_url` as the WooCommerce Stripe gateway sets them, and the buyer's
 * (made-up) name, email and address in `billing_details` and `shipping`, which our parser drops.
 * Ids are derived from the order, so a replay of one seed sends the same objects.
 */

export const stripeId = (prefix: string, ...parts: (string | number)[]) =>
  `${prefix}_${createHash("sha256").update(parts.join(":")).digest("hex").slice(0, 24)}`;

const unix = (ms: number) => Math.floor(ms / 1000);

export interface DemoCharge {
  id: string;
  order: DemoOrder;
  amountMinor: number;
  createdAt: number;
  /** The shop's site as its gateway reports it (WooCommerce's `site_url`), if it reports one. */
  siteUrl: string | null;
}

export function chargeObject(charge: DemoCharge, refundedMinor: number) {
  const s = charge.order.spec.shopper;
  const address = {
    city: s.city,
    country: "US",
    line1: null,
    line2: null,
    postal_code: s.zip,
    state: s.provinceCode,
  };
  const metadata: Record<string, string> = { order_id: charge.order.reference };
  if (charge.siteUrl) metadata.site_url = charge.siteUrl;
  return {
    id: charge.id,
    object: "charge",
    amount: charge.amountMinor,
    amount_captured: charge.amountMinor,
    amount_refunded: refundedMinor,
    balance_transaction: stripeId("txn", charge.id),
    billing_details: { address, email: s.email, name: `${s.firstName} ${s.lastName}`, phone: null },
    captured: true,
    created: unix(charge.createdAt),
    currency: charge.order.currency.toLowerCase(),
    description: `Order ${charge.order.reference}`,
    livemode: false,
    metadata,
    paid: true,
    payment_intent: stripeId("pi", charge.id),
    payment_method_details: {
      card: { brand: "visa", last4: "4242", exp_month: 12, exp_year: 2030 },
      type: "card",
    },
    receipt_email: s.email,
    refunded: refundedMinor === charge.amountMinor,
    shipping: { address, name: `${s.firstName} ${s.lastName}`, phone: null },
    status: "succeeded",
  };
}

export function disputeObject(charge: DemoCharge, amountMinor: number, createdAt: number) {
  const s = charge.order.spec.shopper;
  return {
    id: stripeId("dp", charge.id),
    object: "dispute",
    amount: amountMinor,
    balance_transactions: [],
    charge: charge.id,
    created: unix(createdAt),
    currency: charge.order.currency.toLowerCase(),
    evidence: { customer_email_address: s.email, customer_name: `${s.firstName} ${s.lastName}` },
    livemode: false,
    metadata: {},
    reason: "fraudulent",
    status: "needs_response",
  };
}

export function payoutObject(id: string, amountMinor: number, currency: string, createdAt: number) {
  return {
    id,
    object: "payout",
    amount: amountMinor,
    arrival_date: unix(createdAt) + 86_400,
    created: unix(createdAt),
    currency: currency.toLowerCase(),
    failure_code: null,
    livemode: false,
    method: "standard",
    status: "paid",
    type: "bank_account",
  };
}

/** The envelope every webhook carries; `created` is when the event happened. */
export function stripeEvent(id: string, type: string, object: object, at: number) {
  return {
    id,
    object: "event",
    api_version: "2024-06-20",
    created: unix(at),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}
