import { crc32 } from "node:zlib";
import { verify } from "node:crypto";
import type { Delivery } from "../adapter.ts";
import { CertificateRefused, type PayPalCertificates } from "./certificates.ts";

/**
 * PayPal's webhook signature, verified offline (PayPal's "verify the signature yourself" route, not
 * the verify-webhook-signature API): `PAYPAL-TRANSMISSION-SIG` is an RSA-SHA256 signature, by the
 * certificate at `PAYPAL-CERT-URL`, over `<transmission id>|<transmission time>|<webhook id>|<CRC32
 * of the raw body as an unsigned decimal>`. The webhook id is ours (set when the hook was created),
 * so a body signed for another PayPal webhook does not verify here.
 */

const SIGNATURE_BASE64 = /^[A-Za-z0-9+/]{16,1024}={0,2}$/;

export function signedMessage(
  transmissionId: string,
  transmissionTime: string,
  webhookId: string,
  rawBody: Uint8Array,
) {
  return `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(rawBody) >>> 0}`;
}

export async function paypalSignatureValid(
  delivery: Delivery,
  webhookId: string,
  certificates: PayPalCertificates,
): Promise<boolean> {
  const id = delivery.header("paypal-transmission-id");
  const time = delivery.header("paypal-transmission-time");
  const signature = delivery.header("paypal-transmission-sig");
  const certUrl = delivery.header("paypal-cert-url");
  // PayPal names its algorithm in Java's terms; any other would need a different check.
  if (delivery.header("paypal-auth-algo") !== "SHA256withRSA") return false;
  if (!id || !time || !signature || !certUrl || id.length > 128 || time.length > 64) return false;
  if (!SIGNATURE_BASE64.test(signature)) return false;
  let cert;
  try {
    cert = await certificates.get(certUrl);
  } catch (err) {
    if (err instanceof CertificateRefused) return false;
    throw err;
  }
  const message = Buffer.from(signedMessage(id, time, webhookId, delivery.rawBody), "utf8");
  return verify("sha256", message, cert.publicKey, Buffer.from(signature, "base64"));
}
