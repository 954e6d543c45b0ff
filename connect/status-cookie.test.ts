import { createHmac } from "node:crypto";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { statusAccess } from "./status-cookie.ts";

const KEY = "k".repeat(32);
// What the two signers this one replaced wrote, computed here by hand: cookies already set stay valid.
const mac = (message: string) => createHmac("sha256", KEY).update(message).digest("base64url");

function app(parts: string[]) {
  const access = statusAccess(KEY, "md_store_");
  return new Hono().get("/", (c) => c.text(access.allowed(c, parts) ? "yes" : "no"));
}

describe("statusAccess", () => {
  it("writes the store's HMAC under a name of its own, scoped to the page, HttpOnly", () => {
    const cookie = statusAccess(KEY, "md_store_").cookie(["woocommerce", "shop.example"], "/stores/x");
    expect(cookie).toBe(
      `md_store_woocommerce_2eshop_2eexample=${mac("status\u0000woocommerce\u0000shop.example")}; Path=/stores/x; HttpOnly; SameSite=Lax; Max-Age=2592000`,
    );
    const shopify = statusAccess(KEY, "md_status_").cookie(["a.myshopify.com"], "/status/a.myshopify.com");
    expect(shopify.split(";")[0]).toBe(`md_status_a_2emyshopify_2ecom=${mac("status\u0000a.myshopify.com")}`);
  });

  it("lets in only the cookie of that store", async () => {
    const own = statusAccess(KEY, "md_store_").cookie(["bigcommerce", "abc"], "/").split(";")[0]!;
    const other = statusAccess(KEY, "md_store_").cookie(["bigcommerce", "abd"], "/").split(";")[0]!;
    const ask = async (cookie?: string) => {
      const response = await app(["bigcommerce", "abc"]).request("/", cookie ? { headers: { cookie } } : {});
      return response.text();
    };
    expect(await ask(own)).toBe("yes");
    expect(await ask()).toBe("no");
    expect(await ask(other.replace("abd", "abc"))).toBe("no");
  });
});
