import { describe, expect, it } from "vitest";
import { verifyHeatmapToken } from "../ingest/behaviour/token.ts";
import { STOREFRONT_SITE } from "./storefront-pages.ts";
import { storefrontLinks, storefrontWiring } from "./storefront-wiring.ts";

describe("storefrontWiring", () => {
  it("adds the storefront's site for the demo's Shopify shop to the user's own sites, which win", () => {
    const own = {
      mugs: { shop: "mugs.myshopify.com", platform: "shopify", origins: ["https://mugs.example"] },
    };
    const { stackEnv, demoEnv } = storefrontWiring({ BEHAVIOUR_SITES: JSON.stringify(own) }, 8070);
    expect(JSON.parse(stackEnv.BEHAVIOUR_SITES!)).toEqual({
      [STOREFRONT_SITE]: {
        shop: "metricsdash-demo.myshopify.com",
        platform: "shopify",
        origins: ["http://127.0.0.1:8070", "http://localhost:8070"],
      },
      ...own,
    });
    expect(demoEnv).toEqual({ DEMO_STOREFRONT_PORT: "8070" });
    const mine = { [STOREFRONT_SITE]: own.mugs };
    expect(
      JSON.parse(storefrontWiring({ BEHAVIOUR_SITES: JSON.stringify(mine) }, 8070).stackEnv.BEHAVIOUR_SITES!),
    ).toEqual(mine);
  });

  it("leaves a BEHAVIOUR_SITES ingest will refuse alone, for ingest to name", () => {
    expect(storefrontWiring({ BEHAVIOUR_SITES: "{not json" }, 8070).stackEnv).toEqual({});
  });
});

describe("storefrontLinks", () => {
  it("prints the product page and the same page with a heatmap token for the storefront's site", () => {
    const key = "heatmap-key-0123456789abcdef";
    const [page, heatmap] = storefrontLinks({ HEATMAP_TOKEN_KEY: key }, 8070);
    expect(page).toContain("http://localhost:8070/products/ceramic-mug ");
    const url = new URL(heatmap!.trim().split(/\s+/)[1]!);
    expect(url.origin + url.pathname).toBe("http://localhost:8070/products/ceramic-mug");
    expect(verifyHeatmapToken(key, url.searchParams.get("md_heatmap")!)?.site).toBe(STOREFRONT_SITE);
    expect(storefrontLinks({}, 8070)[1]).toContain("off: set HEATMAP_TOKEN_KEY");
  });
});
