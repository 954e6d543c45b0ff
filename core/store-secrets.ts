import { createHmac } from "node:crypto";

/**
 * The webhook secret of one connected store, derived from STORE_WEBHOOK_KEY rather than stored:
 * ingest verifies a delivery from the store's name alone (no lookup, nothing to replicate, no race
 * between the connect service saving a secret and the first webhook arriving), every store still
 * gets its own secret (a leaked one signs for that store only), and no copy of it sits at rest.
 * Rotating STORE_WEBHOOK_KEY means re-running each store's connect, which re-sets its hooks.
 */
export function storeWebhookSecret(key: string, platform: string, shop: string): string {
  return createHmac("sha256", key).update(`webhook-secret\u0000${platform}\u0000${shop}`).digest("base64url");
}
