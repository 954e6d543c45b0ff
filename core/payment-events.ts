import { z } from "zod";

/**
 * The canonical `payment` event: one state of one payment-processor object (a charge or capture, a
 * refund, a dispute, a payout), in integer minor units of its own currency. Every processor adapter
 * produces it; `processors/payments` writes it. No payer, card or address field has a place here.
 */

const instant = z.iso.datetime({ offset: true });
const minor = z.number().int().refine(Number.isSafeInteger, "must be a safe integer");
const id = z.string().min(1).max(128);

export const PaymentKind = z.enum([
  "captured",
  "refunded",
  "disputed",
  "dispute_won",
  "dispute_lost",
  "payout",
  "payout_failed",
  "fee",
  /** An attempt to pay that the processor declined (Stripe charge.failed; PayPal's DENIED is a capture's status). */
  "failed",
]);

/**
 * Where the shop placed the order this money is for, as the gateway plugin sent it (Stripe
 * `metadata.order_id` + `site_url`, PayPal `custom_id` / `invoice_id`): an order id as the shop
 * platform names it, and the site when the gateway says which one.
 */
export const OrderRef = z.object({
  orderId: z.string().min(1).max(128),
  site: z.string().min(1).max(255).nullable(),
});

export const Payment = z.object({
  /** `stripe`, `paypal`: the same as the envelope's platform, kept so a row says where it came from. */
  processor: z.string().regex(/^[a-z][a-z0-9_-]*$/),
  kind: PaymentKind,
  /** The object this state is of: charge/capture, refund, dispute or payout id. */
  objectId: id,
  /** The charge or capture the object concerns (itself for a capture); null for a payout. */
  paymentId: id.nullable(),
  /** Positive; a refund or dispute is money going back, which its kind says. */
  amountMinor: minor,
  feeMinor: minor.nullable(),
  netMinor: minor.nullable(),
  /**
   * The object's running total when the processor reports one instead of an increment (Stripe's
   * `amount_refunded` is cumulative per charge): the processor turns it into the increment, once.
   */
  cumulativeMinor: minor.nullable(),
  currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code"),
  /** The processor's own status word (`succeeded`, `needs_response`, `failed`, `COMPLETED`). */
  status: z.string().min(1).max(32),
  /** When the object was created: never changes for it, so it keys the object's rows. */
  at: instant,
  /** When the object reached this state: an older state never overwrites a newer one. */
  updatedAt: instant,
  orderRef: OrderRef.nullable(),
});

export type PaymentKind = z.infer<typeof PaymentKind>;
export type OrderRef = z.infer<typeof OrderRef>;
export type Payment = z.infer<typeof Payment>;
