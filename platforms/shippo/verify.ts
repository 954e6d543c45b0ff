import { createHmac, timingSafeEqual } from "node:crypto";
import { secretMatches } from "../../core/signature.ts";
import type { Delivery } from "../adapter.ts";

/** The query parameter of the webhook URL that carries our token (Shippo's "self-generated token"). */
export const TOKEN_PARAM = "token";
export const SIGNATURE_HEADER = "shippo-auth-signature";
/** How far a signed timestamp may be from our clock: a captured delivery can't be replayed later. */
export const SIGNATURE_TOLERANCE_S = 300;

export interface ShippoSecrets {
  token: string;
  /** Present when Shippo enabled HMAC for the account (it does so on request). */
  hmacSecret?: string | undefined;
}

/**
 * `Shippo-Auth-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. Shippo's docs
 * say HMAC exists and is enabled by its team, without the header's format; this is the format its
 * integrators describe, and it is checked only when SHIPPO_WEBHOOK_HMAC_SECRET is set.
 */
export function shippoSignatureMatches(
  secret: string,
  rawBody: Buffer,
  header: string | undefined,
  nowMs: number,
): boolean {
  if (!header || header.length > 512) return false;
  const fields = new Map(
    header.split(",").map((part) => {
      const at = part.indexOf("=");
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = fields.get("t") ?? "";
  const given = Buffer.from(fields.get("v1") ?? "", "hex");
  if (!/^\d{1,12}$/.test(t) || Math.abs(nowMs / 1000 - Number(t)) > SIGNATURE_TOLERANCE_S) return false;
  const expected = createHmac("sha256", secret).update(`${t}.`).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The token in the URL always; the HMAC header as well where the account has a secret. */
export function verifyShippo(secrets: ShippoSecrets, delivery: Delivery, nowMs = Date.now()): boolean {
  const tokenOk = secretMatches(secrets.token, delivery.query?.(TOKEN_PARAM));
  if (!secrets.hmacSecret) return tokenOk;
  const signed = shippoSignatureMatches(
    secrets.hmacSecret,
    delivery.rawBody,
    delivery.header(SIGNATURE_HEADER),
    nowMs,
  );
  return tokenOk && signed;
}
