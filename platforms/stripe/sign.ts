import { createHmac } from "node:crypto";

/**
 * The `Stripe-Signature` value Stripe computes for a body at `timestamp` (unix seconds): `t=<t>`
 * and one `v1=<hex HMAC-SHA256 of "<t>.<body>">` per endpoint secret (several while one rolls).
 * The demo's Stripe account signs with it; signature.ts is the side that checks.
 *
 * @example stripeSignatureHeader('{"id":"evt_1"}', ["whsec_…"], 1764590400) // "t=1764590400,v1=…"
 */
export function stripeSignatureHeader(body: string, secrets: readonly string[], timestamp: number): string {
  const v1 = secrets.map(
    (secret) => `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex")}`,
  );
  return [`t=${timestamp}`, ...v1].join(",");
}
