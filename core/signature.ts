import { createHmac, timingSafeEqual } from "node:crypto";

/** Compares an HMAC-SHA256 of the raw body with the signature a platform sent, in constant time. */
export function hmacSha256Matches(
  secret: string,
  rawBody: Uint8Array,
  signature: string | undefined | null,
  encoding: "base64" | "hex",
): boolean {
  if (!signature) return false;
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  const given = Buffer.from(signature.trim(), encoding);
  // Lengths differ only for garbage; timingSafeEqual needs equal lengths and reveals nothing about the secret here.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Equality for shared secrets sent back verbatim (e.g. a header we set), in constant time. */
export function secretMatches(expected: string, given: string | undefined | null): boolean {
  if (!given) return false;
  const a = createHmac("sha256", "compare").update(expected).digest();
  const b = createHmac("sha256", "compare").update(given).digest();
  return timingSafeEqual(a, b);
}
