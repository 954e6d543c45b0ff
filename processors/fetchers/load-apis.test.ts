import { describe, expect, it } from "vitest";
import { ConfigError } from "../../core/config.ts";
import { createLogger } from "../../core/log.ts";
import { loadApis } from "./index.ts";

const log = createLogger("load-apis-test", "silent");
const shared = { customerHashKey: "k".repeat(32), log };

describe("the catch-up's env-configured Shopify shop", () => {
  it("is an API of the fetchers when SHOPIFY_SHOP and SHOPIFY_ADMIN_TOKEN are set", () => {
    const apis = loadApis(
      {
        SHOPIFY_SHOP: "acme.myshopify.com",
        SHOPIFY_ADMIN_TOKEN: "shpat_x",
        SHOPIFY_API_URL: "http://127.0.0.1:1/{shop}",
      },
      shared,
    );
    expect(apis.map((api) => `${api.platform}:${api.shop}`)).toEqual(["shopify:acme.myshopify.com"]);
  });

  it("is not turned on by SHOPIFY_API_URL alone, which connect reads too", () => {
    expect(loadApis({ SHOPIFY_API_URL: "http://127.0.0.1:1/{shop}" }, shared)).toEqual([]);
  });

  it("names the missing variable", () => {
    const load = () => loadApis({ SHOPIFY_SHOP: "acme.myshopify.com" }, shared);
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/SHOPIFY_ADMIN_TOKEN/);
  });
});
