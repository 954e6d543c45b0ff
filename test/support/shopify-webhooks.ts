import { randomUUID } from "node:crypto";
import { shopifySignature, shopifyWebhookHeaders } from "../../platforms/shopify/webhook-headers.ts";

/**
 * Shopify as our tests see it: order payloads shaped like the REST resources Shopify's webhooks
 * deliver (personal data included, so tests can prove none of it is kept), serialised the way the
 * platform sends them (ids as bare JSON numbers, some above 2^53), signed as Shopify signs:
 * base64 HMAC-SHA256 of the raw body with the app's client secret in `X-Shopify-Hmac-Sha256`.
 *
 * Amounts are given in integer cents and formatted to Shopify's decimal strings here, so a test's
 * expected minor units never pass through the code under test.
 */

export interface LineSpec {
  id: bigint;
  priceCents: number;
  quantity: number;
  discountCents?: number;
  sku?: string | null;
  variantId?: bigint | null;
  productId?: bigint | null;
}

export interface OrderSpec {
  id: bigint;
  createdAt: string;
  updatedAt?: string;
  cancelledAt?: string | null;
  currency?: string;
  lines: LineSpec[];
  shippingCents?: number;
  taxCents?: number;
  discountCents?: number;
  test?: boolean;
  financialStatus?: string;
  customerId?: bigint | null;
}

export const PII = {
  email: "jane.doe.pii@example.com",
  firstName: "Janeuniquefirst",
  lastName: "Doeuniquelast",
  phone: "+15555550123",
  address1: "742 Evergreen Terrace Unique",
  browserIp: "203.0.113.77",
};

const BIG = "\u0000big:";
const big = (value: bigint) => `${BIG}${value}`;

/** JSON with the marked ids written as bare integers, as Shopify's payloads carry them. */
export function shopifyJson(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0000big:(-?\d+)"/g, "$1");
}

export function money(cents: number, currency = "USD"): string {
  const exponent = currency === "JPY" ? 0 : currency === "KWD" ? 3 : 2;
  if (exponent === 0) return String(cents);
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const unit = 10 ** exponent;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(exponent, "0")}`;
}

const moneySet = (cents: number, currency: string) => ({
  shop_money: { amount: money(cents, currency), currency_code: currency },
  presentment_money: { amount: money(cents, currency), currency_code: currency },
});

export function orderTotals(spec: OrderSpec) {
  const lineTotals = spec.lines.map((l) => l.priceCents * l.quantity - (l.discountCents ?? 0));
  const subtotal = lineTotals.reduce((a, b) => a + b, 0) - (spec.discountCents ?? 0);
  const total = subtotal + (spec.shippingCents ?? 0) + (spec.taxCents ?? 0);
  return { lineTotals, subtotal, total };
}

export function orderPayload(spec: OrderSpec): Record<string, unknown> {
  const currency = spec.currency ?? "USD";
  const { subtotal, total } = orderTotals(spec);
  const address = {
    first_name: PII.firstName,
    last_name: PII.lastName,
    address1: PII.address1,
    city: "Springfield",
    zip: "49007",
    country_code: "US",
    phone: PII.phone,
  };
  const customerId = spec.customerId === undefined ? 115310627314723954n : spec.customerId;
  return {
    id: big(spec.id),
    admin_graphql_api_id: `gid://shopify/Order/${spec.id}`,
    name: `#${1000 + Number(spec.id % 100000n)}`,
    order_number: 1000 + Number(spec.id % 100000n),
    email: PII.email,
    contact_email: PII.email,
    phone: PII.phone,
    browser_ip: PII.browserIp,
    client_details: { browser_ip: PII.browserIp, user_agent: "Mozilla/5.0" },
    created_at: spec.createdAt,
    updated_at: spec.updatedAt ?? spec.createdAt,
    processed_at: spec.createdAt,
    cancelled_at: spec.cancelledAt ?? null,
    cancel_reason: spec.cancelledAt ? "customer" : null,
    financial_status: spec.financialStatus ?? "paid",
    fulfillment_status: null,
    test: spec.test ?? false,
    currency,
    presentment_currency: currency,
    total_price: money(total, currency),
    total_price_set: moneySet(total, currency),
    subtotal_price: money(subtotal, currency),
    subtotal_price_set: moneySet(subtotal, currency),
    total_tax_set: moneySet(spec.taxCents ?? 0, currency),
    total_discounts_set: moneySet(
      (spec.discountCents ?? 0) + spec.lines.reduce((a, l) => a + (l.discountCents ?? 0), 0),
      currency,
    ),
    total_shipping_price_set: moneySet(spec.shippingCents ?? 0, currency),
    customer:
      customerId === null
        ? null
        : {
            id: big(customerId),
            email: PII.email,
            first_name: PII.firstName,
            last_name: PII.lastName,
            phone: PII.phone,
            default_address: address,
          },
    billing_address: address,
    shipping_address: address,
    line_items: spec.lines.map((line) => ({
      id: big(line.id),
      admin_graphql_api_id: `gid://shopify/LineItem/${line.id}`,
      product_id: line.productId === null ? null : big(line.productId ?? 632910392n),
      variant_id: line.variantId === null ? null : big(line.variantId ?? 808950810n),
      sku: line.sku === undefined ? `SKU-${line.id}` : line.sku,
      title: "IPod Nano - 8gb",
      quantity: line.quantity,
      current_quantity: line.quantity,
      price: money(line.priceCents, currency),
      price_set: moneySet(line.priceCents, currency),
      total_discount: money(line.discountCents ?? 0, currency),
      total_discount_set: moneySet(line.discountCents ?? 0, currency),
      taxable: true,
      requires_shipping: true,
    })),
    note: `Gift for ${PII.firstName}`,
  };
}

export interface RefundSpec {
  id: bigint;
  orderId: bigint;
  createdAt: string;
  amountCents: number;
  currency?: string;
  lines?: { lineItemId: bigint; quantity: number; sku?: string }[];
}

export function refundPayload(spec: RefundSpec): Record<string, unknown> {
  const currency = spec.currency ?? "USD";
  return {
    id: big(spec.id),
    order_id: big(spec.orderId),
    created_at: spec.createdAt,
    processed_at: spec.createdAt,
    note: `Refund for ${PII.firstName}`,
    restock: true,
    refund_line_items: (spec.lines ?? []).map((line, i) => ({
      id: i + 1,
      line_item_id: big(line.lineItemId),
      quantity: line.quantity,
      line_item: {
        id: big(line.lineItemId),
        sku: line.sku ?? `SKU-${line.lineItemId}`,
        variant_id: big(808950810n),
      },
    })),
    transactions: [
      {
        id: big(spec.id + 7n),
        kind: "refund",
        status: "success",
        amount: money(spec.amountCents, currency),
        currency,
      },
    ],
  };
}

export interface Delivered {
  status: number;
  body: unknown;
}

export class ShopifyWebhookSender {
  readonly url: string;
  readonly secret: string;
  readonly shop: string;

  constructor(ingestUrl: string, secret: string, shop = "metricsdash-test.myshopify.com") {
    this.url = `${ingestUrl}/webhooks/shopify`;
    this.secret = secret;
    this.shop = shop;
  }

  sign(body: string): string {
    return shopifySignature(this.secret, body);
  }

  /** POSTs a payload exactly as Shopify does; `eventId` is reused on retries of one event. */
  async deliver(
    topic: string,
    payload: unknown,
    opts: { eventId?: string; signature?: string } = {},
  ): Promise<Delivered> {
    const body = typeof payload === "string" ? payload : shopifyJson(payload);
    const eventId = opts.eventId ?? randomUUID();
    const response = await fetch(this.url, {
      method: "POST",
      headers: shopifyWebhookHeaders(
        this.secret,
        {
          topic,
          shop: this.shop,
          eventId,
          webhookId: randomUUID(),
          triggeredAt: new Date().toISOString(),
          ...(opts.signature === undefined ? {} : { signature: opts.signature }),
        },
        body,
      ),
      body,
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  }
}

/**
 * A POST whose status we read even when the server answers before the body is fully sent and closes
 * (as ingest does for an oversized body): fetch reports that as a network error.
 */
export async function postEarlyAnswer(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<number> {
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE" && err.code !== "ECONNRESET") reject(err);
    });
    req.end(body);
  });
}
