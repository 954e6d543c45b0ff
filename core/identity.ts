import { createHmac } from "node:crypto";

/**
 * A stable stand-in for a customer: the same customer of the same shop always maps to the same key,
 * but the key can't be turned back into the platform's customer id without CUSTOMER_HASH_KEY.
 */
export function customerKey(hashKey: string, platform: string, shop: string, customerId: string): string {
  return createHmac("sha256", hashKey)
    .update(`${platform}\u0000${shop}\u0000${customerId}`)
    .digest("base64url")
    .slice(0, 22);
}
