import { describe, expect, it } from "vitest";
import type { PlatformModule } from "../../platforms/adapter.ts";
import { platforms } from "../../platforms/index.ts";
import { behaviourEnv } from "./config.ts";
import { FunnelPatterns, funnelOf } from "./funnel.ts";

describe("funnelOf", () => {
  it("knows each platform's storefront URLs", () => {
    const shopify = funnelOf("shopify", undefined);
    expect(
      ["/products/mug", "/collections/sale/products/mug", "/cart", "/checkouts/cn/x", "/"].map(shopify),
    ).toEqual(["product", "product", "cart", "checkout", undefined]);
    const woo = funnelOf("woocommerce", undefined);
    expect(["/product/mug/", "/cart/", "/checkout/order-pay/1"].map(woo)).toEqual([
      "product",
      "cart",
      "checkout",
    ]);
    expect(funnelOf("bigcommerce", undefined)("/cart.php")).toBe("cart");
  });

  it("reads each platform's patterns from its module, held to the rules a site's own patterns obey", () => {
    const declared = platforms.filter((m) => m.storefrontFunnel);
    expect(declared.map((m) => m.platform)).toEqual(
      platforms.filter((m) => m.storefrontOrigin).map((m) => m.platform),
    );
    for (const m of declared)
      expect(FunnelPatterns.safeParse(m.storefrontFunnel).success, m.platform).toBe(true);
    // A source added with a storefront of its own: its patterns, from its declaration alone.
    const throwaway = {
      ...platforms[0]!,
      platform: "throwaway",
      storefrontFunnel: { product: ["/item/*"], cart: ["/basket"], checkout: [] },
    } satisfies PlatformModule;
    const site = funnelOf("throwaway", undefined, [throwaway]);
    expect(["/item/mug", "/basket", "/products/mug"].map(site)).toEqual(["product", "cart", undefined]);
    // A platform no module declares a storefront for: only what the site names.
    expect(funnelOf("stripe", undefined)("/cart")).toBeUndefined();
  });

  it("takes a site's own patterns for the steps it names, the platform's for the rest", () => {
    const site = funnelOf("bigcommerce", { product: ["/mugs/*", "/teapots/*"] });
    expect(["/mugs/blue/", "/teapots/x", "/mugsx", "/cart.php"].map(site)).toEqual([
      "product",
      "product",
      undefined,
      "cart",
    ]);
    // A pattern is a path, not an expression: dots and brackets are themselves.
    expect(funnelOf("x", { cart: ["/cart.(php)"] })("/cart.(php)")).toBe("cart");
    expect(funnelOf("x", { cart: ["/cart.(php)"] })("/cartx(php)")).toBeUndefined();
  });

  it("refuses patterns that are no path or could make matching slow, naming the field", () => {
    const parse = (funnel: unknown) =>
      behaviourEnv.safeParse({
        BEHAVIOUR_SITES: JSON.stringify({
          s: { shop: "s", platform: "shopify", origins: ["https://s.example"], funnel },
        }),
      });
    expect(parse({ product: ["/products/*"] }).success).toBe(true);
    for (const bad of [{ product: ["products/*"] }, { cart: ["/cart?x=1"] }, { product: ["/*/*/*/*"] }]) {
      const result = parse(bad);
      expect(result.success).toBe(false);
      expect(result.error!.issues[0]!.path.slice(0, 3)).toEqual(["BEHAVIOUR_SITES", "s", "funnel"]);
    }
  });
});
