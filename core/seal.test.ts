import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { open, parseKey, seal } from "./seal.ts";

describe("sealed tokens (AES-256-GCM)", () => {
  const key = randomBytes(32);
  const token = "shpat_0123456789abcdef0123456789abcdef";

  it("opens what it sealed, and never writes the token in clear", () => {
    const sealed = seal(key, token, "acme.myshopify.com");
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain("shpat_");
    expect(open(key, sealed, "acme.myshopify.com")).toBe(token);
    expect(seal(key, token, "acme.myshopify.com")).not.toBe(sealed); // fresh nonce each time
  });

  it("refuses a tampered value, another shop's context and another key", () => {
    const sealed = seal(key, token, "acme.myshopify.com");
    const parts = sealed.split(".");
    const flipped = Buffer.from(parts[3]!, "base64url");
    flipped[0]! ^= 1;
    const tampered = [...parts.slice(0, 3), flipped.toString("base64url")].join(".");
    expect(() => open(key, tampered, "acme.myshopify.com")).toThrow(/does not open/);
    expect(() => open(key, sealed, "other.myshopify.com")).toThrow(/does not open/);
    expect(() => open(randomBytes(32), sealed, "acme.myshopify.com")).toThrow(/does not open/);
  });

  it("refuses a tag cut short, which GCM would check only as far as it goes", () => {
    const sealed = seal(key, token, "acme.myshopify.com");
    const [version, nonce, tag, ciphertext] = sealed.split(".");
    for (const bytes of [4, 8, 12, 15]) {
      const short = Buffer.from(tag!, "base64url").subarray(0, bytes).toString("base64url");
      expect(() => open(key, [version, nonce, short, ciphertext].join("."), "acme.myshopify.com")).toThrow(
        /does not open/,
      );
    }
  });

  it("takes the key as base64 or hex, 32 bytes only", () => {
    expect(parseKey(key.toString("base64"))).toEqual(key);
    expect(parseKey(key.toString("hex"))).toEqual(key);
    expect(() => parseKey(randomBytes(16).toString("base64"))).toThrow(/32 bytes/);
  });
});
