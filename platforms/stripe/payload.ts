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
