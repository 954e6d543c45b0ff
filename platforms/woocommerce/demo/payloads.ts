import { createHash } from "node:crypto";
import type { Product } from "../../../demo/catalogue.ts";
import { decimalString, majorNumber } from "../../../demo/decimal.ts";
import { shopifyTime } from "../../../demo/rhythm.ts";
import type { OrderSpec, ShopContext, Shopper } from "../../../demo/specs.ts";

/**
 * Bodies shaped like WooCommerce REST API v3 resources (WooCommerce 9.x), which is what its webhooks
 * deliver: the order with billing and shipping addresses, the buyer's IP and user agent, line items,
 * tax, shipping and coupon lines, refunds as `{id, reason, total}` with negative totals; the product
 * with its managed stock. Ids are small and sequential, as WordPress's are. The people are invented;
 * ingest strips them before anything is stored.
 */

export interface WooSite extends ShopContext {
  /** The site address, with its trailing slash, as `X-WC-Webhook-Source` names it. */
  siteUrl: string;
  /** VAT label and rate, as WooCommerce → Settings → Tax lists them. */
  taxLabel: string;
  taxRate: number;
}

/** WooCommerce's view of one order at one moment. */
export interface WooOrderState {
  spec: OrderSpec;
  status: "pending" | "on-hold" | "processing" | "cancelled" | "refunded";
  modifiedAt: number;
  paidAt: number | null;
  /** Newest first, as WooCommerce lists them. */
  refunds: { id: number; amountMinor: number; reason: string }[];
}

/** WordPress ids: orders from 2001001 on in the order they were placed; products from 501 by rank. */
// Order numbers of the demo's shops never meet (Shopify's run from 1001): shippers and processors send
// only the number, so journeys must not confuse one shop's order with another's.
export const wooOrderId = (spec: Pick<OrderSpec, "orderNumber">) => spec.orderNumber + 2_000_000;
export const wooProductId = (product: Pick<Product, "rank">) => 500 + product.rank;
export const wooRefundId = (orderId: number) => 900_000 + orderId;

const CITIES = [
  ["Berlin", "10115", "BE"],
  ["Hamburg", "20095", "HH"],
  ["München", "80331", "BY"],
  ["Köln", "50667", "NW"],
  ["Leipzig", "04109", "SN"],
] as const;
const STREETS = ["Lindenstraße", "Gartenweg", "Schillerstraße", "Am Markt", "Bahnhofstraße"];

/** WooCommerce writes `date_*` in the site's zone and `date_*_gmt` in UTC, both without an offset. */
const local = (at: number, site: ShopContext) => shopifyTime(at, site.timeZone).slice(0, 19);
const gmt = (at: number) => new Date(Math.floor(at / 1000) * 1000).toISOString().slice(0, 19);
const hex = (...parts: (string | number)[]) => createHash("md5").update(parts.join(":")).digest("hex");

/** Registered customers have small WordPress user ids; about three in ten check out as guests (id 0). */
export function wooCustomerId(shopper: Shopper): number {
  return shopper.id % 10 < 3 ? 0 : (shopper.id % 90_000) + 2;
}

function address(s: Shopper) {
  const [city, postcode, state] = CITIES[s.id % CITIES.length]!;
  return {
    first_name: s.firstName,
    last_name: s.lastName,
    company: "",
    address_1: `${STREETS[s.id % STREETS.length]} ${1 + (s.id % 120)}`,
    address_2: s.id % 4 === 0 ? `${1 + (s.id % 5)}. OG` : "",
    city,
    state,
    postcode,
    country: "DE",
    phone: `+49 30 ${String(s.id % 100_000_000).padStart(8, "0")}`,
  };
}

/** The order's VAT split over its lines, each rounded, the last taking the remainder (as totals must add up). */
function lineTaxes(spec: OrderSpec, rate: number): number[] {
  const totals = spec.lines.map((l) => l.product.priceCents * l.quantity - l.discountCents);
  const taxes = totals.map((t) => Math.round(t * rate));
  if (taxes.length) taxes[taxes.length - 1]! += spec.taxCents - taxes.reduce((a, b) => a + b, 0);
  return taxes;
}

export function wooOrderPayload(order: WooOrderState, site: WooSite): Record<string, unknown> {
  const { spec } = order;
  const c = site.currency;
  const money = (minor: number) => decimalString(minor, c);
  const id = wooOrderId(spec);
  const s = spec.shopper;
  const taxes = lineTaxes(spec, site.taxRate);
  const discount = spec.lines.reduce((a, l) => a + l.discountCents, 0) + spec.discountCents;
  const lineTotal = spec.lines.reduce((a, l) => a + l.product.priceCents * l.quantity - l.discountCents, 0);
  const total = lineTotal - spec.discountCents + spec.shippingCents + spec.taxCents;
  const bacs = spec.financialStatus === "pending" || order.status === "on-hold";
  const orderKey = `wc_order_${hex("key", id).slice(0, 13)}`;
  const customerId = wooCustomerId(s);
  const billing = { ...address(s), email: s.email };
  return {
    id,
    parent_id: 0,
    status: order.status,
    currency: c,
    version: "9.4.2",
    prices_include_tax: false,
    date_created: local(spec.createdAt, site),
    date_modified: local(order.modifiedAt, site),
    discount_total: money(discount),
    discount_tax: money(0),
    shipping_total: money(spec.shippingCents),
    shipping_tax: money(0),
    cart_tax: money(spec.taxCents),
    total: money(total),
    total_tax: money(spec.taxCents),
    customer_id: customerId,
    order_key: orderKey,
    billing,
    shipping: address(s),
    payment_method: bacs ? "bacs" : "stripe",
    payment_method_title: bacs ? "Direct bank transfer" : "Credit Card (Stripe)",
    transaction_id: order.paidAt && !bacs ? `pi_${hex("pi", id).slice(0, 24)}` : "",
    customer_ip_address: `203.0.113.${s.id % 250}`,
    customer_user_agent:
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    created_via: "checkout",
    customer_note: s.id % 7 === 0 ? `Bitte bei ${s.lastName} im Erdgeschoss abgeben` : "",
    date_completed: null,
    date_paid: order.paidAt ? local(order.paidAt, site) : null,
    cart_hash: hex("cart", id),
    number: String(id),
    meta_data: [{ id: id * 10 + 1, key: "is_vat_exempt", value: "no" }],
    line_items: spec.lines.map((line, i) => {
      const subtotal = line.product.priceCents * line.quantity;
      const lineAfterDiscount = subtotal - line.discountCents;
      return {
        id: id * 10 + i,
        name: line.product.title,
        product_id: wooProductId(line.product),
        variation_id: 0,
        quantity: line.quantity,
        tax_class: "",
        subtotal: money(subtotal),
        subtotal_tax: money(Math.round(subtotal * site.taxRate)),
        total: money(lineAfterDiscount),
        total_tax: money(taxes[i]!),
        taxes: [{ id: 1, total: money(taxes[i]!), subtotal: money(Math.round(subtotal * site.taxRate)) }],
        meta_data: [],
        sku: line.product.sku,
        // A float, as WooCommerce sends it: the unit price after discounts.
        price: majorNumber(lineAfterDiscount, c) / line.quantity,
        image: {
          id: wooProductId(line.product) + 10_000,
          src: `${site.siteUrl}wp-content/uploads/2026/03/${line.product.sku.toLowerCase()}.jpg`,
        },
        parent_name: null,
      };
    }),
    tax_lines: [
      {
        id: id * 10 + 7,
        rate_code: `DE-${site.taxLabel.toUpperCase().replace(/\W/g, "")}-1`,
        rate_id: 1,
        label: site.taxLabel,
        compound: false,
        tax_total: money(spec.taxCents),
        shipping_tax_total: money(0),
        rate_percent: Math.round(site.taxRate * 1000) / 10,
        meta_data: [],
      },
    ],
    shipping_lines: [
      {
        id: id * 10 + 8,
        method_title: spec.shippingCents ? "DHL Paket" : "Kostenloser Versand",
        method_id: spec.shippingCents ? "flat_rate" : "free_shipping",
        instance_id: spec.shippingCents ? "1" : "2",
        total: money(spec.shippingCents),
        total_tax: money(0),
        taxes: [],
        meta_data: [],
      },
    ],
    fee_lines: [],
    coupon_lines: spec.discountCode
      ? [
          {
            id: id * 10 + 9,
            code: spec.discountCode.toLowerCase(),
            discount: money(discount),
            discount_tax: money(0),
            meta_data: [],
          },
        ]
      : [],
    refunds: order.refunds.map((r) => ({ id: r.id, reason: r.reason, total: money(-r.amountMinor) })),
    payment_url: `${site.siteUrl}checkout/order-pay/${id}/?pay_for_order=true&key=${orderKey}`,
    is_editable: order.status === "pending" || order.status === "on-hold",
    needs_payment: order.status === "pending" || order.status === "on-hold",
    needs_processing: true,
    date_created_gmt: gmt(spec.createdAt),
    date_modified_gmt: gmt(order.modifiedAt),
    date_completed_gmt: null,
    date_paid_gmt: order.paidAt ? gmt(order.paidAt) : null,
    currency_symbol: site.currency === "EUR" ? "€" : site.currency,
    _links: {
      self: [{ href: `${site.siteUrl}wp-json/wc/v3/orders/${id}` }],
      collection: [{ href: `${site.siteUrl}wp-json/wc/v3/orders` }],
      ...(customerId ? { customer: [{ href: `${site.siteUrl}wp-json/wc/v3/customers/${customerId}` }] } : {}),
    },
  };
}

/** A simple product whose stock WooCommerce manages, as `product.updated` delivers it. */
export function wooProductPayload(
  product: Product,
  available: number,
  at: number,
  site: WooSite,
): Record<string, unknown> {
  const id = wooProductId(product);
  const price = decimalString(product.priceCents, site.currency);
  const slug = product.title
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
  const created = Date.parse("2026-03-01T09:00:00Z") + product.rank * 3_600_000;
  const [kind, colour] = product.title.split(" — ");
  return {
    id,
    name: product.title,
    slug,
    permalink: `${site.siteUrl}product/${slug}/`,
    date_created: local(created, site),
    date_created_gmt: gmt(created),
    date_modified: local(at, site),
    date_modified_gmt: gmt(at),
    type: "simple",
    status: "publish",
    featured: product.rank <= 3,
    catalog_visibility: "visible",
    description: `<p>${kind} in ${colour}, from ${product.vendor}.</p>`,
    short_description: `<p>${kind}</p>`,
    sku: product.sku,
    price,
    regular_price: price,
    sale_price: "",
    date_on_sale_from: null,
    date_on_sale_from_gmt: null,
    date_on_sale_to: null,
    date_on_sale_to_gmt: null,
    on_sale: false,
    purchasable: true,
    virtual: false,
    downloadable: false,
    downloads: [],
    download_limit: -1,
    download_expiry: -1,
    external_url: "",
    button_text: "",
    tax_status: "taxable",
    tax_class: "",
    manage_stock: true,
    stock_quantity: available,
    backorders: "no",
    backorders_allowed: false,
    backordered: false,
    low_stock_amount: null,
    sold_individually: false,
    weight: (product.grams / 1000).toFixed(2),
    dimensions: { length: "", width: "", height: "" },
    shipping_required: true,
    shipping_taxable: true,
    shipping_class: "",
    shipping_class_id: 0,
    reviews_allowed: true,
    average_rating: "0.00",
    rating_count: 0,
    upsell_ids: [],
    cross_sell_ids: [],
    parent_id: 0,
    purchase_note: "",
    categories: [{ id: 15 + (product.rank % 4), name: kind, slug: slug.split("-")[0] }],
    tags: [],
    images: [
      {
        id: id + 10_000,
        src: `${site.siteUrl}wp-content/uploads/2026/03/${product.sku.toLowerCase()}.jpg`,
        name: product.sku.toLowerCase(),
        alt: "",
      },
    ],
    attributes: [],
    default_attributes: [],
    variations: [],
    grouped_products: [],
    menu_order: 0,
    related_ids: [],
    meta_data: [],
    stock_status: available > 0 ? "instock" : "outofstock",
    has_options: false,
    _links: {
      self: [{ href: `${site.siteUrl}wp-json/wc/v3/products/${id}` }],
      collection: [{ href: `${site.siteUrl}wp-json/wc/v3/products` }],
    },
  };
}
