import { describe, expect, it } from "vitest";
import type { PlatformModule } from "./adapter.ts";
import { connectSwitches, connectWanted } from "./connect-switch.ts";
import { platforms } from "./index.ts";

// A source with an app install of its own, beside the registry's.
const withApp = {
  ...platforms[0]!,
  platform: "appstore",
  connectedBy: ["APPSTORE_CLIENT_ID"],
} as PlatformModule;

describe("connect switches", () => {
  it("runs connect for a source's own flow or for STORE_WEBHOOK_KEY, not for nothing", () => {
    expect(connectWanted({})).toBe(false);
    expect(connectWanted({ SHOPIFY_API_KEY: "k" })).toBe(true);
    expect(connectWanted({ STORE_WEBHOOK_KEY: "w".repeat(20) })).toBe(true);
    expect(connectWanted({ SHOPIFY_API_KEY: "" })).toBe(false);
    expect(connectWanted({ APPSTORE_CLIENT_ID: "x" })).toBe(false);
    expect(connectWanted({ APPSTORE_CLIENT_ID: "x" }, [...platforms, withApp])).toBe(true);
  });

  it("names what would switch connect on, from the modules", () => {
    expect(connectSwitches().hint).toBe(
      "nothing to connect: set SHOPIFY_API_KEY (shopify) and/or STORE_WEBHOOK_KEY (woocommerce, bigcommerce)",
    );
    expect(connectSwitches([...platforms, withApp]).hint).toContain("APPSTORE_CLIENT_ID (appstore)");
    expect(connectSwitches().first).toBe("SHOPIFY_API_KEY");
  });
});
