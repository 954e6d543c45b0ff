import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import type { StoresContext } from "../../connect/stores.ts";
import { issueState, openState, siteAddress, STATE_TTL_MS, stateKey, woocommerceFlow } from "./connect.ts";

describe("the store address a merchant types", () => {
  it.each([
    ["shop.example", "https://shop.example/"],
    ["  Shop.Example  ", "https://shop.example/"],
    ["HTTPS://shop.example/wp-admin/admin.php?page=wc-settings", "https://shop.example/"],
    ["https://shop.example/wp-json/wc/v3", "https://shop.example/"],
    ["http://127.0.0.1:8080/blog/", "http://127.0.0.1:8080/blog"],
    ["https://shop.example/#top", "https://shop.example/"],
    ["localhost:8080", "https://localhost:8080/"],
  ])("%s → %s", (typed, site) => {
    expect(siteAddress(typed)?.toString()).toBe(site);
  });

  it.each(["", "not a store", "ftp://shop.example", "intranet", "https://user:pw@shop.example", "https://"])(
    "%j is refused",
    (typed) => {
      expect(siteAddress(typed)).toBeNull();
    },
  );
});

describe("the state carried in user_id", () => {
  const key = stateKey(randomBytes(32));
  const now = Date.UTC(2026, 10, 25, 12, 0, 0);

  it("opens with the key that sealed it, naming the site, and survives WooCommerce's cleaning", () => {
    const { value, nonce } = issueState(key, "https://shop.example", now);
    // wc_clean strips tags and %xx octets, add_query_arg does not encode: only URL-safe characters.
    expect(value).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(value).not.toContain("shop.example");
    expect(openState(key, value, now + 1000)).toEqual({
      ok: true,
      state: { v: 1, home: "https://shop.example", nonce, exp: now + STATE_TTL_MS },
    });
  });

  it("is refused when altered, sealed with another key, missing, or older than its lifetime", () => {
    const { value } = issueState(key, "https://shop.example", now);
    const parts = value.split(".");
    const last = parts[3]!;
    parts[3] = (last[0] === "A" ? "B" : "A") + last.slice(1);
    expect(openState(key, parts.join("."), now)).toMatchObject({ ok: false, problem: "invalid" });
    expect(openState(stateKey(randomBytes(32)), value, now)).toMatchObject({ ok: false, problem: "invalid" });
    expect(openState(key, undefined, now)).toMatchObject({ ok: false, problem: "invalid" });
    expect(openState(key, value, now + STATE_TTL_MS)).toMatchObject({ ok: true });
    expect(openState(key, value, now + STATE_TTL_MS + 1)).toMatchObject({ ok: false, problem: "expired" });
  });
});

describe("a connect service not reachable over https", () => {
  it("explains that WooCommerce won't deliver keys to it, instead of sending the merchant on", async () => {
    const app = new Hono();
    const ctx = { statusKey: randomBytes(32), log: createLogger("test", "silent") };
    woocommerceFlow({ connectUrl: "http://127.0.0.1:8081", appName: "MetricsDash" }).mount(
      app,
      // Only the key and the logger are used before the address is checked against https.
      ctx as unknown as StoresContext,
    );
    const response = await app.request("/woocommerce/connect?site=shop.example");
    expect(response.status).toBe(502);
    expect(await response.text()).toContain('data-problem="woo_needs_https"');
  });
});

describe("the site's own address (REST index `home`) before the approval redirect", () => {
  it("must be the site typed, give or take www.: a hostile index can't redirect visitors elsewhere", async () => {
    const { sameSite } = await import("./connect.ts");
    const typed = new URL("https://shop.example/");
    expect(sameSite("https://shop.example", typed)).toBe(true);
    expect(sameSite("https://www.shop.example/store", typed)).toBe(true);
    expect(sameSite("https://phish.example/", typed)).toBe(false);
    expect(sameSite("https://shop.example.phish.example/", typed)).toBe(false);
    expect(sameSite("javascript:alert(1)", typed)).toBe(false);
  });
});
