import { createHmac } from "node:crypto";
import { SHOPIFY_API_VERSION } from "./index.ts";

/**
 * Shopify's side of a webhook delivery, for what plays Shopify: the demo store, the load benchmark
 * and the test fakes. One place, so they all sign and label deliveries the way ingest verifies them.
 */

/** Shopify's signature: base64 HMAC-SHA256 of the exact body bytes, keyed with the app's client secret. */
export function shopifySignature(secret: string, body: string | Uint8Array): string {
  return createHmac("sha256", secret).update(body).digest("base64");
}

export interface ShopifyDelivery {
  topic: string;
  shop: string;
  /** Shared by every retry of one event: ingest dedupes on it. */
  eventId: string;
  /** One per delivery attempt. */
  webhookId: string;
  /** When the event happened (X-Shopify-Triggered-At); absent on compliance webhooks. */
  triggeredAt?: string;
  /** A signature to send instead of the right one (tests of refusals). */
  signature?: string;
}

/** The headers Shopify sends with a webhook, signed over `body`. */
export function shopifyWebhookHeaders(
  secret: string,
  delivery: ShopifyDelivery,
  body: string | Uint8Array,
): Record<string, string> {
  return {
    "content-type": "application/json",
    "x-shopify-topic": delivery.topic,
    "x-shopify-hmac-sha256": delivery.signature ?? shopifySignature(secret, body),
    "x-shopify-shop-domain": delivery.shop,
    "x-shopify-api-version": SHOPIFY_API_VERSION,
    "x-shopify-webhook-id": delivery.webhookId,
    "x-shopify-event-id": delivery.eventId,
    ...(delivery.triggeredAt ? { "x-shopify-triggered-at": delivery.triggeredAt } : {}),
  };
}
