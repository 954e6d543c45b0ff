import { z } from "zod";

/**
 * The parts of Stripe's event and objects we read (API reference: Event, Charge, Dispute, Payout).
 * zod drops every other key, so `billing_details`, `receipt_email`, `shipping`, card details and the
 * like never get past this file.
 */

const stripeId = z.string().min(1).max(255);
const unix = z.number().int().nonnegative();
const amount = z.number().int().nonnegative();
/** Stripe writes currency codes in lower case. */
const currency = z
  .string()
  .regex(/^[a-z]{3}$/, "must be a three-letter lower-case currency code")
  .transform((code) => code.toUpperCase());
/** A related object's id, or the object itself when the request expanded it; null until it exists. */
const expandableId = z
  .union([
    stripeId,
    z
      .object({ id: stripeId })
      .loose()
      .transform((object) => object.id),
  ])
  .nullable()
  .default(null);
/** Stripe metadata: at most 50 keys, keys up to 40 and values up to 500 characters. */
const metadata = z.record(z.string().max(40), z.string().max(500)).default({});

export const StripeCharge = z.object({
  id: stripeId,
  object: z.literal("charge"),
  amount,
  amount_captured: amount,
  amount_refunded: amount,
  captured: z.boolean(),
  currency,
  created: unix,
  status: z.string().min(1).max(32),
  metadata,
  /** The charge's balance transaction (fee and net), an id in webhooks; absent until the money moved. */
  balance_transaction: expandableId,
});

export const StripeDispute = z.object({
  id: stripeId,
  object: z.literal("dispute"),
  amount,
  currency,
  charge: stripeId,
  created: unix,
  status: z.string().min(1).max(32),
});

export const StripePayout = z.object({
  id: stripeId,
  object: z.literal("payout"),
  amount,
  currency,
  created: unix,
  status: z.string().min(1).max(32),
});

/**
 * A PaymentIntent (payment_intent.payment_failed). `last_payment_error` carries the payment method
 * with its billing details: only the decline code is read.
 */
export const StripePaymentIntent = z.object({
  id: stripeId,
  object: z.literal("payment_intent"),
  amount,
  currency,
  created: unix,
  status: z.string().min(1).max(32),
  latest_charge: expandableId,
  metadata,
});

/** GET /v1/balance_transactions/:id — what the money cost and what the account keeps, in its settlement currency. */
export const StripeBalanceTransaction = z.object({
  id: stripeId,
  object: z.literal("balance_transaction"),
  amount: z.number().int(),
  fee: z.number().int(),
  net: z.number().int(),
  currency,
  created: unix,
  status: z.string().min(1).max(32),
  /** The charge (or refund, payout…) the transaction is for. */
  source: stripeId.nullable(),
  type: z.string().min(1).max(64),
});

export const StripeEvent = z.object({
  id: stripeId,
  object: z.literal("event"),
  type: z.string().min(1).max(128),
  created: unix,
  /** Present on events of connected accounts (Connect): the account the money belongs to. */
  account: stripeId.optional(),
  data: z.object({ object: z.object({ object: z.string() }).loose() }),
});

export type StripeCharge = z.infer<typeof StripeCharge>;
export type StripeDispute = z.infer<typeof StripeDispute>;
export type StripePayout = z.infer<typeof StripePayout>;
export type StripeEvent = z.infer<typeof StripeEvent>;

/** GET /v1/events: a page, newest first; `has_more` says whether `starting_after` the last one gives more. */
export const StripeEventPage = z.object({
  object: z.literal("list"),
  data: z.array(z.unknown()).max(100),
  has_more: z.boolean(),
});

export type StripePaymentIntent = z.infer<typeof StripePaymentIntent>;
export type StripeBalanceTransaction = z.infer<typeof StripeBalanceTransaction>;
