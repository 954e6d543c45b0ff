import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hmacSha256Matches, secretMatches } from "./signature.ts";

const body = Buffer.from('{"id":1,"note":"caf\u00e9 \\/ ok"}');
const secret = "a-secret-of-sufficient-length";

describe("hmacSha256Matches", () => {
  it("accepts the HMAC of the exact bytes, in either encoding", () => {
    const mac = createHmac("sha256", secret).update(body);
    const digest = mac.digest();
    expect(hmacSha256Matches(secret, body, digest.toString("base64"), "base64")).toBe(true);
    expect(hmacSha256Matches(secret, body, digest.toString("hex"), "hex")).toBe(true);
  });

  it("rejects another body, another secret, a truncated or missing signature", () => {
    const good = createHmac("sha256", secret).update(body).digest("base64");
    expect(hmacSha256Matches(secret, Buffer.from('{"id":1}'), good, "base64")).toBe(false);
    expect(hmacSha256Matches("another-secret-entirely", body, good, "base64")).toBe(false);
    expect(hmacSha256Matches(secret, body, good.slice(0, 20), "base64")).toBe(false);
    expect(hmacSha256Matches(secret, body, undefined, "base64")).toBe(false);
    expect(hmacSha256Matches(secret, body, "", "base64")).toBe(false);
  });
});

describe("secretMatches", () => {
  it("compares whole secrets", () => {
    expect(secretMatches("s3cret-value", "s3cret-value")).toBe(true);
    expect(secretMatches("s3cret-value", "s3cret-valu")).toBe(false);
    expect(secretMatches("s3cret-value", null)).toBe(false);
  });
});
