import { z } from "zod";

/**
 * The parts of WooCommerce REST API v3 resources (as webhooks and `GET /wc/v3/orders` deliver them)
 * that we read. Unknown keys are stripped on parse, so billing/shipping addresses, emails, names and
 * IPs never get past this file.
 */

const id = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String);
/** WooCommerce sends money as decimal strings; a few plugins send numbers. Never through a float here. */
const amount = z.union([z.string(), z.number()]).transform(String);

/**
 * `date_*_gmt` are UTC but written without an offset (`2026-11-25T14:30:00`); the `date_*` twins are
 * in the site's zone and are not read.
 */
const gmt = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:?00)?$/, "must be a GMT date-time")
  .transform((value) => new Date(/(Z|\+00:?00)$/.test(value) ? value : `${value}Z`).toISOString());

export const WooLineItem = z.object({
  id,
  product_id: id.nullable().optional(),
  variation_id: id.nullable().optional(),
  sku: z.string().nullable().optional(),
  quantity: z.number().int().min(0),
  /** Before discounts, excluding tax. */
  subtotal: amount,
  /** After discounts, excluding tax. */
  total: amount,
});

export const WooOrder = z.object({
  id,
  number: z.string().max(64).nullable().optional(),
  status: z.string().min(1).max(32),
  currency: z.string().regex(/^[A-Za-z]{3}$/, "must be an ISO 4217 code"),
  date_created_gmt: gmt,
  date_modified_gmt: gmt.nullable().optional(),
  date_paid_gmt: gmt.nullable().optional(),
  date_completed_gmt: gmt.nullable().optional(),
  total: amount,
  total_tax: amount.default("0"),
  shipping_total: amount.default("0"),
  discount_total: amount.default("0"),
  customer_id: id.default("0"),
  line_items: z.array(WooLineItem).default([]),
  /** Refunds arrive inside the order, with negative totals and no time of their own. */
  refunds: z.array(z.object({ id, total: amount })).default([]),
});

export const WooProduct = z.object({
  id,
  parent_id: id.nullable().optional(),
  sku: z.string().nullable().optional(),
  /** Variations may say `"parent"`: their stock is the parent's. */
  manage_stock: z.union([z.boolean(), z.literal("parent")]).default(false),
  stock_quantity: z.number().int().nullable().optional(),
  date_modified_gmt: gmt.nullable().optional(),
});

export type WooOrder = z.infer<typeof WooOrder>;
export type WooProduct = z.infer<typeof WooProduct>;
