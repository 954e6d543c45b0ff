import type { Webhook } from "./feed.ts";

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
