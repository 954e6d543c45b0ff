import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { SiteId } from "../../core/interaction.ts";

/**
 * Overlay tokens: `<payload>.<signature>`, both base64url; the payload names one site and an expiry
 * (seconds since the epoch), the signature is HMAC-SHA256 over the payload's bytes with
 * HEATMAP_TOKEN_KEY. A token reads that site's heatmaps and nothing else.
 */

const Payload = z.object({ site: SiteId, exp: z.number().int().positive() });
export type HeatmapGrant = z.infer<typeof Payload>;

const MAX_TOKEN = 512;

const sign = (key: string, payload: string) => createHmac("sha256", key).update(payload).digest();

export function heatmapToken(key: string, site: string, ttlSeconds: number, now = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ site, exp: Math.floor(now / 1000) + ttlSeconds })).toString(
    "base64url",
  );
  return `${payload}.${sign(key, payload).toString("base64url")}`;
}

/** The grant a token carries, or undefined when it is malformed, forged or expired. */
export function verifyHeatmapToken(key: string, token: string, now = Date.now()): HeatmapGrant | undefined {
  if (token.length > MAX_TOKEN) return undefined;
  const [payload, signature, extra] = token.split(".");
  if (!payload || !signature || extra !== undefined) return undefined;
  const given = Buffer.from(signature, "base64url");
  const expected = sign(key, payload);
  // Verified over the payload's bytes before anything in it is parsed.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return undefined; // signed by us, so this means a bug elsewhere: treat it as no grant
  }
  const grant = Payload.safeParse(parsed);
  if (!grant.success || grant.data.exp * 1000 <= now) return undefined;
  return grant.data;
}
