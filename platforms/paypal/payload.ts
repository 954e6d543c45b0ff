import { z } from "zod";

/**
 * The parts of PayPal's webhook event and its capture/refund resources we read (Webhooks event
 * names; Payments v2 capture and refund objects). zod drops everything else, so `payer`, `payee`'s
 * e-mail and any shipping details never get past this file.
 */

const paypalId = z.string().min(1).max(128);
const instant = z.iso.datetime({ offset: true });
const money = z.object({
  currency_code: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code"),
  value: z.string().max(32),
});
const link = z.object({ href: z.string().max(2048), rel: z.string().max(64) });
/** Free-text references a merchant's integration set, bounded as PayPal bounds them (127 characters). */
const reference = z.string().min(1).max(127).optional();

const common = {
  id: paypalId,
  status: z.string().min(1).max(32),
  amount: money,
  custom_id: reference,
  invoice_id: reference,
  create_time: instant,
  update_time: instant.optional(),
  links: z.array(link).max(20).default([]),
  /** Only its merchant id is read: the account the money belongs to, not a person. */
  payee: z.object({ merchant_id: paypalId.optional() }).optional(),
};

export const PayPalCapture = z.object({
  ...common,
  seller_receivable_breakdown: z
    .object({ paypal_fee: money.optional(), net_amount: money.optional() })
    .optional(),
});

export const PayPalRefund = z.object({
  ...common,
  seller_payable_breakdown: z
    .object({ paypal_fee: money.optional(), net_amount: money.optional() })
    .optional(),
});

export const PayPalEvent = z.object({
  id: paypalId,
  event_type: z.string().min(1).max(128),
  create_time: instant,
  resource_type: z.string().max(64).optional(),
  resource: z.object({}).loose(),
});

export type PayPalCapture = z.infer<typeof PayPalCapture>;
export type PayPalRefund = z.infer<typeof PayPalRefund>;
export type PayPalEvent = z.infer<typeof PayPalEvent>;
