import { createHash } from "node:crypto";
import type { Product } from "../../../demo/catalogue.ts";
import { shopifyTime } from "../../../demo/rhythm.ts";
import {
  orderTotals,
  type CheckoutSpec,
  type LineSpec,
  type OrderSpec,
  type RefundSpec,
  type ShopContext,
  type Shopper,
} from "../../../demo/specs.ts";

// The benchmark builds its corpus from these payloads and their spec.
export type { OrderSpec } from "../../../demo/specs.ts";

/**
 * Webhook bodies shaped like the REST resources Shopify delivers (API 2026-10), including the
 * fields MetricsDash ignores — addresses, client details, tax and shipping lines — so the demo and
 * the benchmark post payloads of a real store's size (≈ 9 KB for an order). The people in them are
 * invented; ingest strips them before anything is stored. Ids stay below 2^53, as Shopify's do.
 */

/** Cents to Shopify's decimal string. The demo shop's currencies have two decimals. */
export function money(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** Shopify's tokens are random hex; these are derived from the resource so the store stays reproducible. */
function hexToken(id: number, salt: number): string {
  return createHash("md5").update(`${id}:${salt}`).digest("hex");
}

const set = (cents: number, currency: string) => ({
  shop_money: { amount: money(cents), currency_code: currency },
  presentment_money: { amount: money(cents), currency_code: currency },
});

function address(s: Shopper) {
  return {
    first_name: s.firstName,
    address1: `${100 + (s.id % 900)} ${["Maple", "Oak", "Cedar", "Elm", "Birch"][s.id % 5]} Street`,
    phone: `+1555${String(s.id % 10_000_000).padStart(7, "0")}`,
    city: s.city,
    zip: s.zip,
    province: s.province,
    country: "United States",
    last_name: s.lastName,
    address2: s.id % 3 === 0 ? `Apt ${s.id % 40}` : "",
    company: null,
    latitude: 40 + (s.id % 1000) / 1000,
    longitude: -74 - (s.id % 1000) / 1000,
    name: `${s.firstName} ${s.lastName}`,
    country_code: "US",
    province_code: s.provinceCode,
  };
}

function lineItem(line: LineSpec, ctx: ShopContext, taxRate: number) {
  const p = line.product;
  const lineCents = p.priceCents * line.quantity - line.discountCents;
  const tax = Math.round(lineCents * taxRate);
  return {
    id: line.lineId,
    admin_graphql_api_id: `gid://shopify/LineItem/${line.lineId}`,
    attributed_staffs: [],
    current_quantity: line.quantity,
    fulfillable_quantity: line.quantity,
    fulfillment_service: "manual",
    fulfillment_status: null,
    gift_card: false,
    grams: p.grams,
    name: p.title,
    price: money(p.priceCents),
    price_set: set(p.priceCents, ctx.currency),
    product_exists: true,
    product_id: p.productId,
    properties: [],
    quantity: line.quantity,
    requires_shipping: true,
    sku: p.sku,
    taxable: true,
    title: p.title.split(" — ")[0],
    total_discount: money(line.discountCents),
    total_discount_set: set(line.discountCents, ctx.currency),
    variant_id: p.variantId,
    variant_inventory_management: "shopify",
    variant_title: p.title.split(" — ")[1] ?? null,
    vendor: p.vendor,
    tax_lines: [
      {
        channel_liable: false,
        price: money(tax),
        price_set: set(tax, ctx.currency),
        rate: taxRate,
        title: "State Tax",
      },
    ],
    duties: [],
    origin_location: {
      id: ctx.locationId + 1,
      country_code: "US",
      province_code: "NY",
      name: "Northwind Warehouse",
      address1: "200 Industrial Way",
      address2: "",
      city: "Brooklyn",
      zip: "11222",
    },
    sales_line_item_group_id: null,
    discount_allocations: line.discountCents
      ? [
          {
            amount: money(line.discountCents),
            amount_set: set(line.discountCents, ctx.currency),
            discount_application_index: 0,
          },
        ]
      : [],
  };
}

export function orderPayload(spec: OrderSpec, ctx: ShopContext): Record<string, unknown> {
  const { subtotal, total, discounts, lineTotal } = orderTotals(spec);
  const c = ctx.currency;
  const t = (ms: number) => shopifyTime(ms, ctx.timeZone);
  const s = spec.shopper;
  const taxRate = lineTotal > 0 ? Math.round((spec.taxCents / lineTotal) * 10000) / 10000 : 0;
  const refunded = spec.refunds.reduce((sum, r) => sum + r.amountCents, 0);
  const token = (salt: number) => hexToken(spec.orderId, salt);
  return {
    id: spec.orderId,
    admin_graphql_api_id: `gid://shopify/Order/${spec.orderId}`,
    app_id: 580111,
    browser_ip: `198.51.100.${s.id % 250}`,
    buyer_accepts_marketing: s.id % 4 === 0,
    cancel_reason: spec.cancelledAt ? "customer" : null,
    cancelled_at: spec.cancelledAt ? t(spec.cancelledAt) : null,
    cart_token: token(1),
    checkout_id: spec.checkoutId,
    checkout_token: token(2),
    client_details: {
      accept_language: "en-US",
      browser_height: 900,
      browser_ip: `198.51.100.${s.id % 250}`,
      browser_width: 1440,
      session_hash: null,
      user_agent:
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
    },
    closed_at: null,
    company: null,
    current_total_additional_fees_set: null,
    current_total_duties_set: null,
    device_id: null,
    location_id: null,
    merchant_business_entity_id: "MTY1MDAwMDAwMDA",
    merchant_of_record_app_id: null,
    original_total_additional_fees_set: null,
    original_total_duties_set: null,
    po_number: null,
    reference: null,
    source_identifier: null,
    source_url: null,
    user_id: null,
    total_cash_rounding_payment_adjustment_set: set(0, ctx.currency),
    total_cash_rounding_refund_adjustment_set: set(0, ctx.currency),
    confirmation_number: token(3).slice(0, 9).toUpperCase(),
    confirmed: true,
    contact_email: s.email,
    created_at: t(spec.createdAt),
    currency: c,
    current_subtotal_price: money(subtotal),
    current_subtotal_price_set: set(subtotal, c),
    current_total_discounts: money(discounts),
    current_total_discounts_set: set(discounts, c),
    current_total_price: money(total - refunded),
    current_total_price_set: set(total - refunded, c),
    current_total_tax: money(spec.taxCents),
    current_total_tax_set: set(spec.taxCents, c),
    customer_locale: "en-US",
    discount_codes: spec.discountCode
      ? [{ code: spec.discountCode, amount: money(spec.discountCents), type: "percentage" }]
      : [],
    email: s.email,
    estimated_taxes: false,
    financial_status: spec.financialStatus,
    fulfillment_status: null,
    landing_site: "/products/" + (spec.lines[0]?.product.sku.toLowerCase() ?? ""),
    name: `#${spec.orderNumber}`,
    note: null,
    note_attributes: [],
    number: spec.orderNumber - 1000,
    order_number: spec.orderNumber,
    order_status_url: `https://${ctx.shop}/${token(4).slice(0, 12)}/orders/${token(5)}/authenticate?key=${token(6)}`,
    payment_gateway_names: [spec.financialStatus === "pending" ? "bank_transfer" : "shopify_payments"],
    phone: null,
    presentment_currency: c,
    processed_at: t(spec.createdAt),
    referring_site: ["https://www.google.com/", "https://www.instagram.com/", ""][s.id % 3],
    source_name: "web",
    subtotal_price: money(subtotal),
    subtotal_price_set: set(subtotal, c),
    tags: "",
    tax_exempt: false,
    tax_lines: [
      { price: money(spec.taxCents), rate: taxRate, title: "State Tax", price_set: set(spec.taxCents, c) },
    ],
    taxes_included: false,
    test: false,
    token: token(7),
    total_discounts: money(discounts),
    total_discounts_set: set(discounts, c),
    total_line_items_price: money(lineTotal + spec.lines.reduce((a, l) => a + l.discountCents, 0)),
    total_line_items_price_set: set(lineTotal + spec.lines.reduce((a, l) => a + l.discountCents, 0), c),
    total_outstanding: money(spec.financialStatus === "pending" ? total : 0),
    total_price: money(total),
    total_price_set: set(total, c),
    total_shipping_price_set: set(spec.shippingCents, c),
    total_tax: money(spec.taxCents),
    total_tax_set: set(spec.taxCents, c),
    total_tip_received: "0.00",
    total_weight: spec.lines.reduce((a, l) => a + l.product.grams * l.quantity, 0),
    updated_at: t(spec.updatedAt),
    billing_address: address(s),
    customer: {
      id: s.id,
      email: s.email,
      created_at: t(spec.createdAt - (s.ordersCount > 1 ? 40 * 86_400_000 : 0)),
      updated_at: t(spec.createdAt),
      first_name: s.firstName,
      last_name: s.lastName,
      state: "enabled",
      note: null,
      verified_email: true,
      tax_exempt: false,
      phone: null,
      currency: c,
      tax_exemptions: [],
      email_marketing_consent: {
        state: s.id % 4 === 0 ? "subscribed" : "not_subscribed",
        opt_in_level: "single_opt_in",
        consent_updated_at: s.id % 4 === 0 ? t(spec.createdAt) : null,
      },
      sms_marketing_consent: null,
      multipass_identifier: null,
      admin_graphql_api_id: `gid://shopify/Customer/${s.id}`,
      default_address: { id: s.id + 1, customer_id: s.id, ...address(s), default: true },
    },
    discount_applications: spec.discountCode
      ? [
          {
            target_type: "line_item",
            type: "discount_code",
            value: "10.0",
            value_type: "percentage",
            allocation_method: "across",
            target_selection: "all",
            code: spec.discountCode,
          },
        ]
      : [],
    fulfillments: [],
    line_items: spec.lines.map((line) => lineItem(line, ctx, taxRate)),
    payment_terms: null,
    refunds: spec.refunds.map((r) => refundPayload(r, ctx)),
    shipping_address: address(s),
    shipping_lines: [
      {
        id: spec.orderId + 17,
        carrier_identifier: null,
        code: spec.shippingCents ? "Standard" : "Free Shipping",
        discounted_price: money(spec.shippingCents),
        discounted_price_set: set(spec.shippingCents, c),
        price: money(spec.shippingCents),
        price_set: set(spec.shippingCents, c),
        source: "shopify",
        title: spec.shippingCents ? "Standard Shipping (3-5 business days)" : "Free Shipping",
        tax_lines: [],
        discount_allocations: [],
      },
    ],
  };
}

export function refundPayload(spec: RefundSpec, ctx: ShopContext): Record<string, unknown> {
  const c = ctx.currency;
  return {
    id: spec.refundId,
    admin_graphql_api_id: `gid://shopify/Refund/${spec.refundId}`,
    created_at: shopifyTime(spec.createdAt, ctx.timeZone),
    note: "Customer return",
    order_id: spec.orderId,
    processed_at: shopifyTime(spec.createdAt, ctx.timeZone),
    restock: true,
    total_duties_set: set(0, c),
    user_id: null,
    order_adjustments: [],
    transactions: [
      {
        id: spec.transactionId,
        admin_graphql_api_id: `gid://shopify/OrderTransaction/${spec.transactionId}`,
        amount: money(spec.amountCents),
        authorization: null,
        created_at: shopifyTime(spec.createdAt, ctx.timeZone),
        currency: c,
        gateway: "shopify_payments",
        kind: "refund",
        order_id: spec.orderId,
        parent_id: spec.transactionId - 1,
        processed_at: shopifyTime(spec.createdAt, ctx.timeZone),
        source_name: "web",
        status: "success",
        test: false,
      },
    ],
    refund_line_items: spec.lines.map((line, i) => ({
      id: spec.refundId + i + 1,
      line_item_id: line.lineId,
      location_id: ctx.locationId,
      quantity: line.quantity,
      restock_type: "return",
      subtotal: money(line.subtotalCents),
      subtotal_set: set(line.subtotalCents, c),
      total_tax: "0.00",
      total_tax_set: set(0, c),
      line_item: {
        id: line.lineId,
        sku: line.product.sku,
        variant_id: line.product.variantId,
        product_id: line.product.productId,
        title: line.product.title,
        quantity: line.quantity,
        price: money(line.product.priceCents),
      },
    })),
  };
}

export function inventoryLevelPayload(
  product: Product,
  available: number,
  at: number,
  ctx: ShopContext,
): Record<string, unknown> {
  return {
    inventory_item_id: product.inventoryItemId,
    location_id: ctx.locationId,
    available,
    updated_at: shopifyTime(at, ctx.timeZone),
    admin_graphql_api_id: `gid://shopify/InventoryLevel/${ctx.locationId}?inventory_item_id=${product.inventoryItemId}`,
  };
}

export function checkoutPayload(spec: CheckoutSpec, ctx: ShopContext): Record<string, unknown> {
  const subtotal = spec.lines.reduce((a, l) => a + l.product.priceCents * l.quantity, 0);
  const token = hexToken(spec.checkoutId, 0);
  return {
    id: spec.checkoutId,
    token,
    cart_token: token.split("").reverse().join(""),
    email: spec.shopper.email,
    gateway: null,
    buyer_accepts_marketing: false,
    created_at: shopifyTime(spec.createdAt, ctx.timeZone),
    updated_at: shopifyTime(spec.createdAt, ctx.timeZone),
    landing_site: "/",
    note: null,
    note_attributes: [],
    referring_site: "",
    shipping_lines: [],
    taxes_included: false,
    total_weight: spec.lines.reduce((a, l) => a + l.product.grams * l.quantity, 0),
    currency: ctx.currency,
    completed_at: null,
    closed_at: null,
    user_id: null,
    location_id: null,
    source_identifier: null,
    source_url: null,
    device_id: null,
    phone: null,
    customer_locale: "en-US",
    line_items: spec.lines.map((l) => ({
      key: `${l.product.variantId}`,
      fulfillment_service: "manual",
      gift_card: false,
      grams: l.product.grams,
      presentment_title: l.product.title,
      presentment_variant_title: "",
      product_id: l.product.productId,
      quantity: l.quantity,
      requires_shipping: true,
      sku: l.product.sku,
      taxable: true,
      title: l.product.title,
      variant_id: l.product.variantId,
      variant_title: "",
      variant_price: money(l.product.priceCents),
      vendor: l.product.vendor,
      line_price: money(l.product.priceCents * l.quantity),
      price: money(l.product.priceCents),
    })),
    name: `#${spec.checkoutId}`,
    source: null,
    abandoned_checkout_url: `https://${ctx.shop}/checkouts/${token}/recover`,
    discount_codes: [],
    tax_lines: [],
    source_name: "web",
    presentment_currency: ctx.currency,
    total_discounts: "0.00",
    total_line_items_price: money(subtotal),
    total_price: money(subtotal),
    total_tax: "0.00",
    subtotal_price: money(subtotal),
    total_duties: null,
    customer: {
      id: spec.shopper.id,
      email: spec.shopper.email,
      first_name: spec.shopper.firstName,
      last_name: spec.shopper.lastName,
    },
  };
}
