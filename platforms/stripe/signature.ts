import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, where each
 * v1 is HMAC-SHA256, keyed with an endpoint secret, of `<t>.<raw body>`. Several v1 appear while a
 * secret is rolled; we may hold several secrets for the same reason, so any pair may match. The
 * timestamp is inside the signed bytes, so an old `t` is a replay and is refused.
 */

export interface StripeSignatureOptions {
  secrets: readonly string[];
  toleranceSeconds: number;
  /** Injected so tests can check the tolerance edge without waiting. */
  nowSeconds?: () => number;
}

interface ParsedHeader {
  timestamp: number;
  signatures: Buffer[];
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;
/** A header with more parts than this is not Stripe's; bounding it bounds the work per request. */
const MAX_PARTS = 16;

export function parseStripeSignature(header: string | undefined): ParsedHeader | null {
  if (!header || header.length > 2048) return null;
  const parts = header.split(",");
  if (parts.length > MAX_PARTS) return null;
  let timestamp: number | null = null;
  const signatures: Buffer[] = [];
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    // v0 and other schemes are Stripe's test or legacy signatures: only v1 is the live scheme.
    if (key === "v1" && HEX_SHA256.test(value)) signatures.push(Buffer.from(value, "hex"));
  }
  return timestamp === null || signatures.length === 0 ? null : { timestamp, signatures };
}

/** True when one of the header's v1 signatures matches one of the secrets and `t` is within tolerance. */
export function stripeSignatureValid(
  rawBody: Uint8Array,
  header: string | undefined,
  { secrets, toleranceSeconds, nowSeconds = () => Math.floor(Date.now() / 1000) }: StripeSignatureOptions,
): boolean {
  const parsed = parseStripeSignature(header);
  if (!parsed) return false;
  if (Math.abs(nowSeconds() - parsed.timestamp) > toleranceSeconds) return false;
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac("sha256", secret).update(`${parsed.timestamp}.`).update(rawBody).digest();
    // Every pair is compared (no early exit), so the time taken says nothing about which one matched.
    for (const given of parsed.signatures) matched = timingSafeEqual(given, expected) || matched;
  }
  return matched;
}
