import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Delivery } from "../adapter.ts";
import { shippoSignatureMatches, verifyShippo } from "./verify.ts";

const body = Buffer.from('{"event":"track_updated","test":false,"data":{}}');
const secret = "hmac-secret-0123456789abcdef";
const now = Date.parse("2026-12-01T12:00:00Z");
const t = String(now / 1000);
const v1 = createHmac("sha256", secret).update(`${t}.${body.toString()}`).digest("hex");

const delivery = (token: string | undefined, signature?: string): Delivery => ({
  header: (name) => (name === "shippo-auth-signature" ? signature : undefined),
  query: (name) => (name === "token" ? token : undefined),
  rawBody: body,
  receivedAt: new Date(now).toISOString(),
});

describe("Shippo webhook verification", () => {
  it("takes the token alone when no HMAC secret is configured", () => {
    const secrets = { token: "url-token-0123456789" };
    expect(verifyShippo(secrets, delivery("url-token-0123456789"), now)).toBe(true);
    expect(verifyShippo(secrets, delivery("url-token-012345678X"), now)).toBe(false);
    expect(verifyShippo(secrets, delivery(undefined), now)).toBe(false);
  });

  it("needs token and signature both once a secret is configured", () => {
    const secrets = { token: "url-token-0123456789", hmacSecret: secret };
    expect(verifyShippo(secrets, delivery("url-token-0123456789", `t=${t},v1=${v1}`), now)).toBe(true);
    expect(verifyShippo(secrets, delivery("url-token-0123456789"), now)).toBe(false);
    expect(verifyShippo(secrets, delivery("wrong-token-0123456", `t=${t},v1=${v1}`), now)).toBe(false);
  });

  it("refuses a changed body, a changed time, and a time outside five minutes", () => {
    expect(shippoSignatureMatches(secret, body, `t=${t},v1=${v1}`, now + 299_000)).toBe(true);
    expect(shippoSignatureMatches(secret, Buffer.from(`${body} `), `t=${t},v1=${v1}`, now)).toBe(false);
    expect(shippoSignatureMatches(secret, body, `t=${Number(t) + 1},v1=${v1}`, now)).toBe(false);
    expect(shippoSignatureMatches(secret, body, `t=${t},v1=${v1}`, now + 301_000)).toBe(false);
    expect(shippoSignatureMatches(secret, body, `v1=${v1}`, now)).toBe(false);
    expect(shippoSignatureMatches(secret, body, `t=${t},v1=zz`, now)).toBe(false);
  });
});
