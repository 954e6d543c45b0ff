import { randomBytes } from "node:crypto";
import { stripeSignatureHeader } from "../../../platforms/stripe/sign.ts";

/**
 * What Stripe sends to a webhook endpoint, built from Stripe's documentation (Webhooks → "Verify
 * signatures manually"; API reference: Event, Charge, Dispute, Payout): pretty-printed JSON, the
 * whole object in `data.object` with its personal fields filled in, and `Stripe-Signature` =
 * `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` — one v1 per active secret while a secret rolls.
 */

export const STRIPE_PII = {
  name: "Jenny Rosen",
  email: "jenny.rosen@example.com",
  phone: "+15555550123",
  line1: "510 Townsend St",
  postal: "94103",
};

export const newSecret = () => `whsec_${randomBytes(24).toString("base64url")}`;
const id = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;
const address = {
  city: "San Francisco",
  country: "US",
  line1: STRIPE_PII.line1,
  line2: null,
  postal_code: STRIPE_PII.postal,
  state: "CA",
};

export interface ChargeSpec {
  id?: string;
  amount: number;
  currency: string;
  created: number;
  amountRefunded?: number;
  metadata?: Record<string, string>;
  captured?: boolean;
}

/** A Charge as the API reference shows it, with the fields a gateway plugin fills about the buyer. */
export function charge(spec: ChargeSpec) {
  const captured = spec.captured ?? true;
  const refunded = spec.amountRefunded ?? 0;
  return {
    id: spec.id ?? id("ch"),
    object: "charge",
    amount: spec.amount,
    amount_captured: captured ? spec.amount : 0,
    amount_refunded: refunded,
    balance_transaction: id("txn"),
    billing_details: { address, email: STRIPE_PII.email, name: STRIPE_PII.name, phone: STRIPE_PII.phone },
    captured,
    created: spec.created,
    currency: spec.currency,
    description: `Order from ${STRIPE_PII.name}`,
    livemode: false,
    metadata: spec.metadata ?? {},
    paid: true,
    payment_intent: id("pi"),
    payment_method_details: {
      card: { brand: "visa", last4: "4242", exp_month: 12, exp_year: 2030 },
      type: "card",
    },
    receipt_email: STRIPE_PII.email,
    refunded: refunded === spec.amount,
    shipping: { address, name: STRIPE_PII.name, phone: STRIPE_PII.phone },
    status: "succeeded",
  };
}

/** A declined card charge (charge.failed): not captured, with the decline in `outcome` and `failure_code`. */
export function failedCharge(spec: Omit<ChargeSpec, "captured" | "amountRefunded">) {
  return {
    ...charge({ ...spec, captured: false }),
    balance_transaction: null,
    failure_code: "card_declined",
    failure_message: "Your card was declined.",
    outcome: { network_status: "declined_by_network", reason: "generic_decline", type: "issuer_declined" },
    paid: false,
    status: "failed",
  };
}

/** A PaymentIntent whose last attempt failed; its payment method (with the buyer's details) rides along. */
export function failedIntent(spec: {
  id: string;
  amount: number;
  currency: string;
  created: number;
  latestCharge: string | null;
}) {
  return {
    id: spec.id,
    object: "payment_intent",
    amount: spec.amount,
    amount_received: 0,
    created: spec.created,
    currency: spec.currency,
    latest_charge: spec.latestCharge,
    last_payment_error: {
      code: spec.latestCharge ? "card_declined" : "payment_intent_authentication_failure",
      message: "The provided PaymentMethod has failed authentication.",
      payment_method: {
        id: id("pm"),
        object: "payment_method",
        billing_details: { address, email: STRIPE_PII.email, name: STRIPE_PII.name, phone: STRIPE_PII.phone },
        type: "card",
      },
      type: "card_error",
    },
    livemode: false,
    metadata: {},
    receipt_email: STRIPE_PII.email,
    shipping: { address, name: STRIPE_PII.name, phone: STRIPE_PII.phone },
    status: "requires_payment_method",
  };
}

export function dispute(spec: {
  id: string;
  charge: string;
  amount: number;
  currency: string;
  created: number;
  status: string;
}) {
  return {
    id: spec.id,
    object: "dispute",
    amount: spec.amount,
    balance_transactions: [],
    charge: spec.charge,
    created: spec.created,
    currency: spec.currency,
    evidence: { customer_email_address: STRIPE_PII.email, customer_name: STRIPE_PII.name },
    livemode: false,
    metadata: {},
    reason: "fraudulent",
    status: spec.status,
  };
}

export function payout(spec: {
  id: string;
  amount: number;
  currency: string;
  created: number;
  status: string;
}) {
  return {
    id: spec.id,
    object: "payout",
    amount: spec.amount,
    arrival_date: spec.created + 86_400,
    created: spec.created,
    currency: spec.currency,
    failure_code: spec.status === "failed" ? "account_closed" : null,
    livemode: false,
    method: "standard",
    status: spec.status,
    type: "bank_account",
  };
}

export function event(type: string, object: object, created: number, eventId = id("evt")) {
  return {
    id: eventId,
    object: "event",
    api_version: "2024-06-20",
    created,
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

/** The header value Stripe computes for `body` at `timestamp`, one v1 per secret (the demo signs the same way). */
export const signatureHeader = stripeSignatureHeader;

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** POSTs an event as Stripe does; `signature` overrides the header (to send a forged or stale one). */
export async function deliver(
  url: string,
  body: object,
  {
    secrets,
    timestamp = nowSeconds(),
    signature,
  }: { secrets: string[]; timestamp?: number; signature?: string },
): Promise<Response> {
  const text = JSON.stringify(body, null, 2);
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json; charset=utf-8",
      "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
      "stripe-signature": signature ?? signatureHeader(text, secrets, timestamp),
    },
    body: text,
  });
}
