import { createHash } from "node:crypto";
import type { Product } from "../../../demo/catalogue.ts";
import { decimalString, majorNumber } from "../../../demo/decimal.ts";
import { utcOffset } from "../../../demo/rhythm.ts";
import type { OrderSpec, ShopContext, Shopper } from "../../../demo/specs.ts";

/**
 * BigCommerce's shapes for the demo shop: the thin webhook callback, and what its REST API answers
 * for an order (V2, RFC 2822 dates, money with four decimal places, billing address, IP), the
 * order's products (V2), its refunds (V3, amounts as JSON numbers), a catalogue product (V3), the
 * store information (V2) and the hooks (V3). The people are invented.
 */

export interface BcShop extends ShopContext {
  storeHash: string;
  /** BigCommerce's numeric store id, sent in callbacks as `store_id`. */
  storeId: string;
  domain: string;
}

/** BigCommerce's view of one order. */
export interface BcOrderState {
  spec: OrderSpec;
  statusId: number;
  modifiedAt: number;
  refunds: BcRefundState[];
}

export interface BcRefundState {
  id: number;
  createdAt: number;
  amountMinor: number;
  /** Order product ids and quantities returned. */
  items: { itemId: number; quantity: number }[];
}

export interface BcProductState {
  product: Product;
  level: number;
  modifiedAt: number;
}

/** Order ids start at 100 on a new store; order product ids and product ids are BigCommerce-sized too. */
// Apart from the other demo shops' numbers (see wooOrderId).
export const bcOrderId = (spec: Pick<OrderSpec, "orderNumber">) => spec.orderNumber - 1001 + 5_000_000;
export const bcOrderProductId = (orderId: number, line: number) => orderId * 10 + line;
export const bcProductId = (product: Pick<Product, "rank">) => 110 + product.rank;

const STATUS_LABELS: Record<number, string> = {
  4: "Refunded",
  5: "Cancelled",
  7: "Awaiting Payment",
  11: "Awaiting Fulfillment",
  14: "Partially Refunded",
};

const CITIES = [
  ["London", "SE1 7PB", "England"],
  ["Manchester", "M1 1AE", "England"],
  ["Leeds", "LS1 4DY", "England"],
  ["Bristol", "BS1 5TR", "England"],
  ["Edinburgh", "EH1 1YZ", "Scotland"],
] as const;
const STREETS = ["High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane"];

/** V2 dates: RFC 2822 with a numeric zone. */
export const rfc2822 = (at: number) =>
  new Date(Math.floor(at / 1000) * 1000).toUTCString().replace("GMT", "+0000");
/** V3 dates: ISO 8601 with an offset. */
const iso = (at: number) => new Date(Math.floor(at / 1000) * 1000).toISOString().replace(".000Z", "+00:00");

export function bcCustomerId(shopper: Shopper): number {
  return shopper.id % 10 < 3 ? 0 : (shopper.id % 90_000) + 1;
}

function lineTotals(spec: OrderSpec) {
  const subtotal = spec.lines.reduce((a, l) => a + l.product.priceCents * l.quantity, 0);
  const coupon = spec.lines.reduce((a, l) => a + l.discountCents, 0);
  return { subtotal, coupon };
}

export function bcOrderJson(order: BcOrderState, shop: BcShop, apiBase: string): Record<string, unknown> {
  const { spec } = order;
  const c = shop.currency;
  const money = (minor: number) => decimalString(minor, c, 4);
  const id = bcOrderId(spec);
  const s = spec.shopper;
  const [city, zip, state] = CITIES[s.id % CITIES.length]!;
  const { subtotal, coupon } = lineTotals(spec);
  const totalExTax = subtotal - coupon - spec.discountCents + spec.shippingCents;
  const refunded = order.refunds.reduce((a, r) => a + r.amountMinor, 0);
  const resource = (name: string) => ({
    url: `${apiBase}/stores/${shop.storeHash}/v2/orders/${id}/${name}`,
    resource: `/orders/${id}/${name}`,
  });
  const bankDeposit = spec.financialStatus === "pending" || order.statusId === 7;
  return {
    id,
    customer_id: bcCustomerId(s),
    date_created: rfc2822(spec.createdAt),
    date_modified: rfc2822(order.modifiedAt),
    date_shipped: "",
    status_id: order.statusId,
    status: STATUS_LABELS[order.statusId] ?? "Pending",
    subtotal_ex_tax: money(subtotal),
    subtotal_inc_tax: money(subtotal + spec.taxCents),
    subtotal_tax: money(spec.taxCents),
    base_shipping_cost: money(spec.shippingCents),
    shipping_cost_ex_tax: money(spec.shippingCents),
    shipping_cost_inc_tax: money(spec.shippingCents),
    shipping_cost_tax: money(0),
    shipping_cost_tax_class_id: 2,
    base_handling_cost: money(0),
    handling_cost_ex_tax: money(0),
    handling_cost_inc_tax: money(0),
    handling_cost_tax: money(0),
    handling_cost_tax_class_id: 2,
    base_wrapping_cost: money(0),
    wrapping_cost_ex_tax: money(0),
    wrapping_cost_inc_tax: money(0),
    wrapping_cost_tax: money(0),
    wrapping_cost_tax_class_id: 3,
    total_ex_tax: money(totalExTax),
    total_inc_tax: money(totalExTax + spec.taxCents),
    total_tax: money(spec.taxCents),
    items_total: spec.lines.reduce((a, l) => a + l.quantity, 0),
    items_shipped: 0,
    payment_method: bankDeposit ? "Bank Deposit" : "Credit Card",
    payment_provider_id: bankDeposit
      ? ""
      : `pi_${createHash("md5").update(`pi:${id}`).digest("hex").slice(0, 24)}`,
    payment_status: order.statusId === 7 ? "" : order.refunds.length ? "refunded" : "captured",
    refunded_amount: money(refunded),
    order_is_digital: false,
    store_credit_amount: money(0),
    gift_certificate_amount: money(0),
    ip_address: `192.0.2.${s.id % 250}`,
    ip_address_v6: "",
    geoip_country: "United Kingdom",
    geoip_country_iso2: "GB",
    currency_id: 1,
    currency_code: c,
    currency_exchange_rate: "1.0000000000",
    default_currency_id: 1,
    default_currency_code: c,
    staff_notes: "",
    customer_message: s.id % 7 === 0 ? `Please leave with ${s.firstName} at number ${1 + (s.id % 90)}` : "",
    discount_amount: money(spec.discountCents),
    coupon_discount: money(coupon),
    shipping_address_count: 1,
    is_deleted: false,
    ebay_order_id: "0",
    cart_id: createHash("md5")
      .update(`cart:${id}`)
      .digest("hex")
      .replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-"),
    billing_address: {
      first_name: s.firstName,
      last_name: s.lastName,
      company: "",
      street_1: `${1 + (s.id % 200)} ${STREETS[s.id % STREETS.length]}`,
      street_2: "",
      city,
      state,
      zip,
      country: "United Kingdom",
      country_iso2: "GB",
      phone: `+44 7700 ${String(900_000 + (s.id % 1000)).slice(0, 6)}`,
      email: s.email,
      form_fields: [],
    },
    is_email_opt_in: s.id % 4 === 0,
    credit_card_type: bankDeposit ? null : "visa",
    order_source: "www",
    channel_id: 1,
    external_source: null,
    products: resource("products"),
    shipping_addresses: resource("shipping_addresses"),
    coupons: resource("coupons"),
    external_id: null,
    external_merchant_id: null,
    tax_provider_id: "BasicTaxProvider",
    customer_locale: "en-GB",
    store_default_currency_code: c,
    store_default_to_transactional_exchange_rate: "1.0000000000",
    custom_status: STATUS_LABELS[order.statusId] ?? "Pending",
  };
}

export function bcOrderProductsJson(order: BcOrderState, shop: BcShop): Record<string, unknown>[] {
  const { spec } = order;
  const money = (minor: number) => decimalString(minor, shop.currency, 4);
  const id = bcOrderId(spec);
  return spec.lines.map((line, i) => {
    const lineId = bcOrderProductId(id, i);
    const total = line.product.priceCents * line.quantity;
    const returned = order.refunds.flatMap((r) => r.items).filter((item) => item.itemId === lineId);
    const quantityRefunded = returned.reduce((a, item) => a + item.quantity, 0);
    return {
      id: lineId,
      order_id: id,
      product_id: bcProductId(line.product),
      variant_id: bcProductId(line.product) + 1000,
      order_address_id: id + 50,
      name: line.product.title,
      name_customer: line.product.title,
      name_merchant: line.product.title,
      sku: line.product.sku,
      upc: "",
      type: "physical",
      base_price: money(line.product.priceCents),
      price_ex_tax: money(line.product.priceCents),
      price_inc_tax: money(line.product.priceCents),
      price_tax: money(0),
      base_total: money(total),
      total_ex_tax: money(total),
      total_inc_tax: money(total),
      total_tax: money(0),
      weight: (line.product.grams / 1000).toFixed(4),
      quantity: line.quantity,
      base_cost_price: money(0),
      cost_price_inc_tax: money(0),
      cost_price_ex_tax: money(0),
      cost_price_tax: money(0),
      is_refunded: quantityRefunded >= line.quantity,
      quantity_refunded: quantityRefunded,
      refund_amount: money(0),
      return_id: 0,
      fixed_shipping_cost: money(0),
      is_bundled_product: false,
      bin_picking_number: "",
      brand: line.product.vendor,
      applied_discounts: line.discountCents
        ? [
            {
              id: "coupon",
              amount: money(line.discountCents),
              name: "WELCOME10",
              code: "WELCOME10",
              target: "order",
            },
          ]
        : [],
      product_options: [],
      configurable_fields: [],
      discounted_total_inc_tax: money(total - line.discountCents),
    };
  });
}

export function bcRefundsJson(order: BcOrderState, shop: BcShop): Record<string, unknown> {
  const id = bcOrderId(order.spec);
  return {
    data: order.refunds.map((r) => ({
      id: r.id,
      order_id: id,
      user_id: 0,
      created: iso(r.createdAt),
      reason: r.items.length === order.spec.lines.length ? "Order cancelled" : "Return",
      total_amount: majorNumber(r.amountMinor, shop.currency),
      total_tax: 0,
      uses_merchant_override_values: false,
      payments: [
        {
          id: r.id * 10,
          provider_id: "stripe",
          amount: majorNumber(r.amountMinor, shop.currency),
          offline: false,
          is_declined: false,
          declined_message: "",
        },
      ],
      items: r.items.map((item) => ({
        item_type: "PRODUCT",
        item_id: item.itemId,
        quantity: item.quantity,
        requested_amount: null,
        reason: null,
      })),
    })),
    meta: {},
  };
}

export function bcCatalogProductJson(state: BcProductState, shop: BcShop): Record<string, unknown> {
  const p = state.product;
  const id = bcProductId(p);
  const price = majorNumber(p.priceCents, shop.currency);
  return {
    data: {
      id,
      name: p.title,
      type: "physical",
      sku: p.sku,
      description: `<p>${p.title}, from ${p.vendor}.</p>`,
      weight: p.grams / 1000,
      width: 0,
      depth: 0,
      height: 0,
      price,
      cost_price: 0,
      retail_price: 0,
      sale_price: 0,
      map_price: 0,
      tax_class_id: 0,
      categories: [23 + (p.rank % 4)],
      brand_id: 36 + (p.rank % 3),
      inventory_level: state.level,
      inventory_warning_level: Math.round(p.initialStock * 0.35),
      inventory_tracking: "product",
      total_sold: 0,
      fixed_cost_shipping_price: 0,
      is_free_shipping: false,
      is_visible: true,
      is_featured: p.rank <= 3,
      availability: "available",
      condition: "New",
      date_created: iso(Date.parse("2026-02-01T10:00:00Z") + p.rank * 60_000),
      date_modified: iso(state.modifiedAt),
      base_variant_id: id + 1000,
      calculated_price: price,
    },
    meta: {},
  };
}

/** `GET /v2/store`: the merchant's details, the currency and the zone (offsets in seconds, as BigCommerce gives them). */
export function bcStoreJson(shop: BcShop, now: number): Record<string, unknown> {
  const seconds = (offset: string) =>
    (offset.startsWith("-") ? -1 : 1) * (Number(offset.slice(1, 3)) * 3600 + Number(offset.slice(4, 6)) * 60);
  const year = new Date(now).getUTCFullYear();
  const offsets = [Date.UTC(year, 0, 15), Date.UTC(year, 6, 15)].map((t) =>
    seconds(utcOffset(t, shop.timeZone)),
  );
  const raw = Math.min(...offsets);
  return {
    id: shop.storeHash,
    domain: shop.domain,
    secure_url: `https://${shop.domain}`,
    control_panel_base_url: `https://store-${shop.storeHash}.mybigcommerce.com`,
    status: "live",
    name: "MetricsDash Demo (BigCommerce)",
    first_name: "Alex",
    last_name: "Merchant",
    address: "2 Demo Yard\nLondon SE1 9AA\nUnited Kingdom",
    country: "United Kingdom",
    country_code: "GB",
    phone: "+44 20 7946 0000",
    admin_email: "owner@demo-bc.metricsdash.example",
    order_email: "orders@demo-bc.metricsdash.example",
    timezone: {
      name: shop.timeZone,
      raw_offset: raw,
      dst_offset: Math.max(...offsets),
      dst_correction: seconds(utcOffset(now, shop.timeZone)) !== raw,
      date_format: { display: "jS M Y", export: "d/m/Y", extended_display: "jS M Y @ g:i A" },
    },
    language: "en",
    currency: shop.currency,
    currency_symbol: shop.currency === "GBP" ? "£" : shop.currency,
    decimal_separator: ".",
    thousands_separator: ",",
    decimal_places: 2,
    currency_symbol_location: "left",
    weight_units: "kg",
    dimension_units: "Centimeters",
    plan_name: "Enterprise",
    plan_level: "Enterprise",
    industry: "Apparel & Accessories",
    is_price_entered_with_tax: false,
    store_id: Number(shop.storeId),
    default_channel_id: 1,
    default_site_id: 1000,
    features: { stencil_enabled: true, multi_storefront_enabled: true },
  };
}

/** A thin callback, as BigCommerce POSTs it: scope, store, producer, what changed, and a hash. */
export function bcCallback(
  shop: BcShop,
  scope: string,
  at: number,
  data: Record<string, unknown>,
): { hash: string; body: Record<string, unknown> } {
  const createdAt = Math.floor(at / 1000);
  const hash = createHash("sha1").update(JSON.stringify({ scope, data, createdAt })).digest("hex");
  return {
    hash,
    body: {
      created_at: createdAt,
      store_id: shop.storeId,
      producer: `stores/${shop.storeHash}`,
      scope,
      hash,
      data,
    },
  };
}
