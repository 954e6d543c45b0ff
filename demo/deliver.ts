import { createHmac } from "node:crypto";
import type { Webhook } from "./feed.ts";

/** The Admin API version the demo store's subscriptions use (sent as X-Shopify-API-Version). */
export const DEMO_API_VERSION = "2026-10";

/** Shopify's signature: base64 HMAC-SHA256 of the exact body bytes, keyed with the app's client secret. */
export function shopifySignature(secret: string, body: string | Uint8Array): string {
  return createHmac("sha256", secret).update(body).digest("base64");
}

/** The headers Shopify sends with a webhook. */
export function shopifyHeaders(
  secret: string,
  shop: string,
  webhook: Pick<Webhook, "topic" | "eventId" | "webhookId" | "at">,
  body: string,
): Record<string, string> {
  return {
    "content-type": "application/json",
    "x-shopify-topic": webhook.topic,
    "x-shopify-hmac-sha256": shopifySignature(secret, body),
    "x-shopify-shop-domain": shop,
    "x-shopify-api-version": DEMO_API_VERSION,
    "x-shopify-webhook-id": webhook.webhookId,
    "x-shopify-event-id": webhook.eventId,
    "x-shopify-triggered-at": new Date(webhook.at).toISOString(),
  };
}

export interface DeliveryOptions {
  url: string;
  /** The platform's headers for this webhook, its signature among them. */
  headers(webhook: Webhook, body: string): Record<string, string>;
  /** Attempts before giving up on one webhook (Shopify retries for hours; the demo is less patient). */
  attempts?: number;
  /** Checked before each webhook and each retry: a shutdown stops sending without waiting for the rest. */
  stopped?: () => boolean;
}

/**
 * POSTs a webhook the way its platform does and retries on anything but a 2xx, with back-off: a 503
 * from ingest means "broker busy, come back", and Shopify and BigCommerce do retry. (WooCommerce
 * does not; the demo does anyway rather than lose its own orders.)
 */
export async function deliver(webhook: Webhook, options: DeliveryOptions): Promise<number> {
  const body = webhook.render();
  const headers = options.headers(webhook, body);
  const attempts = options.attempts ?? 8;
  let last = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1 && options.stopped?.()) break;
    try {
      const response = await fetch(options.url, { method: "POST", headers, body });
      await response.body?.cancel();
      if (response.ok) return response.status;
      last = `HTTP ${response.status}`;
      // 4xx other than 429 won't get better by trying again: the payload or the secret is wrong.
      if (response.status < 500 && response.status !== 429) break;
    } catch (err) {
      last = String((err as Error).cause ?? err);
    }
    await new Promise((r) => setTimeout(r, Math.min(10_000, 200 * 2 ** attempt)));
  }
  throw new Error(`${webhook.topic} ${webhook.eventId} not accepted by ${options.url}: ${last}`);
}

/** Delivers webhooks, each to its own destination, with at most `concurrency` in flight; resolves with how many were accepted. */
export async function deliverAll(
  webhooks: { webhook: Webhook; to: DeliveryOptions }[],
  options: { concurrency: number; stopped?: () => boolean; progress?: (done: number) => void },
): Promise<number> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < webhooks.length && !options.stopped?.()) {
      const { webhook, to } = webhooks[next++]!;
      await deliver(webhook, { ...to, stopped: options.stopped });
      done++;
      options.progress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, webhooks.length) }, worker));
  return done;
}
