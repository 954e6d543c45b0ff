import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signJwt } from "../../test/fakes/bigcommerce/platform.ts";
import { InvalidSignedPayload, verifySignedPayload } from "./connect-jwt.ts";

const app = { clientId: "client-abc", clientSecret: "client-secret-0123456789" };
const NOW = Date.UTC(2026, 10, 25, 18, 0, 0);
const iat = NOW / 1000;
const claims = {
  aud: app.clientId,
  iss: "bc",
  iat,
  nbf: iat,
  exp: iat + 86_400,
  jti: "c5f0bcf5-a504-4ae6-8dcc-0e40eaa5a070",
  sub: "stores/z4zn3wo",
  user: { id: 9876543, email: "someone@example.com", locale: "en-US" },
  owner: { id: 7654321, email: "owner@example.com" },
  url: "/",
  channel_id: null,
};
const verify = (jwt: string, at = NOW) => verifySignedPayload(jwt, app, at);

describe("verifySignedPayload", () => {
  it("accepts BigCommerce's documented payload and names the store, without the people in it", () => {
    const verified = verify(signJwt(claims, app.clientSecret));
    expect(verified.storeHash).toBe("z4zn3wo");
    expect(JSON.stringify(verified)).not.toContain("example.com");
  });

  it("refuses a payload signed with another secret, or edited after signing", () => {
    expect(() => verify(signJwt(claims, "another-secret-0123456789"))).toThrow(/bad signature/);
    const [head, , signature] = signJwt(claims, app.clientSecret).split(".");
    const edited = Buffer.from(JSON.stringify({ ...claims, sub: "stores/other" })).toString("base64url");
    expect(() => verify(`${head}.${edited}.${signature}`)).toThrow(/bad signature/);
  });

  it("refuses alg none and a truncated signature", () => {
    const none = (part: object) => Buffer.from(JSON.stringify(part)).toString("base64url");
    expect(() => verify(`${none({ alg: "none", typ: "JWT" })}.${none(claims)}.`)).toThrow(/HS256/);
    const jwt = signJwt(claims, app.clientSecret);
    expect(() => verify(jwt.slice(0, -4))).toThrow(/bad signature/);
    expect(() => verify("not-a-jwt")).toThrow(InvalidSignedPayload);
    expect(() => verifySignedPayload(undefined, app)).toThrow(/missing/);
  });

  it("refuses another app's payload, an expired one and one issued in the future", () => {
    expect(() => verify(signJwt({ ...claims, aud: "client-other" }, app.clientSecret))).toThrow(
      /another app/,
    );
    // exp is 24 h after iat: a day and two minutes later it is over.
    expect(() => verify(signJwt(claims, app.clientSecret), NOW + 86_520_000)).toThrow(/expired/);
    expect(() => verify(signJwt(claims, app.clientSecret), NOW - 5 * 60_000)).toThrow(/not valid yet/);
  });

  it("refuses claims outside BigCommerce's form (issuer, subject)", () => {
    expect(() => verify(signJwt({ ...claims, iss: "someone" }, app.clientSecret))).toThrow(/iss/);
    expect(() => verify(signJwt({ ...claims, sub: "stores/../x" }, app.clientSecret))).toThrow(/sub/);
  });

  it("agrees with an HMAC worked out separately for a fixed token", () => {
    const head = Buffer.from('{"typ":"JWT","alg":"HS256"}').toString("base64url");
    const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
    const mac = createHmac("sha256", app.clientSecret).update(`${head}.${body}`).digest("base64url");
    expect(verify(`${head}.${body}.${mac}`).sub).toBe("stores/z4zn3wo");
  });
});
