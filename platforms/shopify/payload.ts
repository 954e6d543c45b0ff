import { z } from "zod";

/**
 * The parts of Shopify's webhook payloads we read (REST shapes, as webhooks deliver them).
 * Unknown keys are stripped on parse, so names, emails and addresses never get past this file.
 */

/** Ids arrive as JSON numbers; those above 2^53 were kept as strings by `parseJsonExact`. */
const id = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String);
const amount = z.union([z.string(), z.number()]).transform(String);
const instant = z.iso.datetime({ offset: true });

export const MoneySet = z.object({
  shop_money: z.object({ amount, currency_code: z.string() }),
});

export const ShopifyLineItem = z.object({
  id,
  product_id: id.nullable().optional(),
  variant_id: id.nullable().optional(),
  sku: z.string().nullable().optional(),
  quantity: z.number().int().min(0),
  price_set: MoneySet,
  total_discount_set: MoneySet.optional(),
});

export const ShopifyOrder = z.object({
  id,
  name: z.string().max(64).nullable().optional(),
  created_at: instant,
  updated_at: instant,
  cancelled_at: instant.nullable().optional(),
  financial_status: z.string().nullable().optional(),
  test: z.boolean().default(false),
  total_price_set: MoneySet,
  subtotal_price_set: MoneySet.optional(),
  total_tax_set: MoneySet.optional(),
  total_discounts_set: MoneySet.optional(),
  total_shipping_price_set: MoneySet.optional(),
  customer: z.object({ id }).nullable().optional(),
  line_items: z.array(ShopifyLineItem),
});

export const ShopifyRefund = z.object({
  id,
  order_id: id,
  created_at: instant,
  refund_line_items: z
    .array(
      z.object({
        line_item_id: id,
        quantity: z.number().int(),
        line_item: z
          .object({ sku: z.string().nullable().optional(), variant_id: id.nullable().optional() })
          .optional(),
        subtotal_set: MoneySet.optional(),
      }),
    )
    .default([]),
  transactions: z
    .array(
      z.object({ kind: z.string(), status: z.string().nullable().optional(), amount, currency: z.string() }),
    )
    .default([]),
});

export const ShopifyInventoryLevel = z.object({
  inventory_item_id: id,
  location_id: id,
  available: z.number().int().nullable(),
  updated_at: instant,
});

/** products/create|update: we read the variants' SKUs and inventory items, to map stock levels to SKUs. */
export const ShopifyProduct = z.object({
  id,
  title: z.string().max(512).default(""),
  updated_at: instant,
  variants: z
    .array(
      z.object({
        id,
        sku: z.string().nullable().optional(),
        inventory_item_id: id.nullable().optional(),
      }),
    )
    .default([]),
});

/**
 * `checkouts/create` (and `checkouts/update`): the abandoned-checkout resource. Unlike orders it has no
 * `*_set` money: `currency` is the shop's currency, `total_price` is in `presentment_currency`.
 */
export const ShopifyCheckout = z.object({
  id,
  created_at: instant,
  updated_at: instant,
  completed_at: instant.nullable().optional(),
  currency: z.string(),
  presentment_currency: z.string().nullable().optional(),
  total_price: amount.nullable().optional(),
});

export type ShopifyOrder = z.infer<typeof ShopifyOrder>;
export type ShopifyCheckout = z.infer<typeof ShopifyCheckout>;
export type ShopifyRefund = z.infer<typeof ShopifyRefund>;
export type ShopifyInventoryLevel = z.infer<typeof ShopifyInventoryLevel>;
export type ShopifyProduct = z.infer<typeof ShopifyProduct>;
