import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { storeWebhookSecret } from "./store-secrets.ts";

describe("per-store webhook secrets", () => {
  const key = "k".repeat(32);

  it("is the documented HMAC of platform and shop, so another implementation can derive it", () => {
    const expected = createHmac("sha256", key)
      .update("webhook-secret\u0000woocommerce\u0000shop.example")
      .digest("base64url");
    expect(storeWebhookSecret(key, "woocommerce", "shop.example")).toBe(expected);
    expect(expected).toHaveLength(43);
  });

  it("differs per store, per platform and per key", () => {
    const secrets = new Set([
      storeWebhookSecret(key, "woocommerce", "a.example"),
      storeWebhookSecret(key, "woocommerce", "b.example"),
      storeWebhookSecret(key, "bigcommerce", "a.example"),
      storeWebhookSecret("j".repeat(32), "woocommerce", "a.example"),
    ]);
    expect(secrets.size).toBe(4);
  });
});
