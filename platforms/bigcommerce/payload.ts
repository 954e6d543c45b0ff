import { z } from "zod";

/**
 * BigCommerce shapes we read: the thin webhook callback, and the V2/V3 resources the fetcher asks
 * for. Unknown keys are stripped on parse, so billing addresses, emails, names and IPs never get past
 * this file.
 */

const id = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String);
/** V2 money is a decimal string with four places ("12.3400"); V3 refunds use JSON numbers. */
const amount = z.union([z.string(), z.number()]).transform(String);
/** V2 dates are RFC 2822 (`Tue, 20 Nov 2012 00:00:00 +0000`). */
const rfc2822 = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), "must be an RFC 2822 date")
  .transform((value) => new Date(value).toISOString());

export const BcCallback = z.object({
  scope: z.string().min(1).max(128),
  store_id: z.union([z.string(), z.number()]).transform(String),
  /** Always `stores/<store_hash>`. */
  producer: z.string().regex(/^stores\/[A-Za-z0-9]+$/, "must be stores/<store_hash>"),
  data: z
    .object({
      type: z.string().min(1),
      id,
      /** Inventory scopes say which product/variant changed (`store/sku/…` names the variant here). */
      inventory: z.object({ product_id: id.optional(), variant_id: id.optional() }).optional(),
    })
    .optional(),
  /** The same for every delivery of one event: our dedupe key. */
  hash: z.string().min(1).max(128),
  created_at: z.number().int().positive().optional(),
});

export const BcOrder = z.object({
  id,
  date_created: rfc2822,
  date_modified: rfc2822,
  status_id: z.number().int(),
  subtotal_ex_tax: amount,
  total_inc_tax: amount,
  total_tax: amount.default("0"),
  shipping_cost_ex_tax: amount.default("0"),
  discount_amount: amount.default("0"),
  coupon_discount: amount.default("0"),
  /** The transactional currency: the one the amounts are in. */
  default_currency_code: z.string().regex(/^[A-Za-z]{3}$/),
  customer_id: id.default("0"),
  is_deleted: z.boolean().default(false),
});

export const BcOrderProduct = z.object({
  id,
  product_id: id.nullable().optional(),
  variant_id: id.nullable().optional(),
  sku: z.string().nullable().optional(),
  quantity: z.number().int().min(0),
  price_ex_tax: amount,
  total_ex_tax: amount,
});

export const BcRefund = z.object({
  id,
  order_id: id,
  created: z.iso.datetime({ offset: true }),
  total_amount: amount,
  items: z
    .array(z.object({ item_type: z.string(), item_id: id, quantity: z.number().int().nullable().optional() }))
    .default([]),
});

export const BcVariant = z.object({
  id,
  product_id: id,
  sku: z.string().nullable().optional(),
  inventory_level: z.number().int(),
});

export const BcCatalogProduct = z.object({
  id,
  sku: z.string().nullable().optional(),
  inventory_level: z.number().int(),
  inventory_tracking: z.enum(["none", "product", "variant"]),
  date_modified: z.iso.datetime({ offset: true }).optional(),
  /** With `include=variants`. */
  variants: z.array(BcVariant).optional(),
});

/** `GET /v2/store`: only the currency and zone are read (the rest names the merchant). */
export const BcStore = z.object({
  currency: z.string().regex(/^[A-Za-z]{3}$/),
  timezone: z.object({
    name: z.string().min(1).nullable().optional(),
    raw_offset: z.number().int().optional(),
  }),
});

export type BcCallback = z.infer<typeof BcCallback>;
export type BcOrder = z.infer<typeof BcOrder>;
export type BcOrderProduct = z.infer<typeof BcOrderProduct>;
export type BcRefund = z.infer<typeof BcRefund>;
export type BcCatalogProduct = z.infer<typeof BcCatalogProduct>;
export type BcVariant = z.infer<typeof BcVariant>;
