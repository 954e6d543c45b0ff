import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../core/config.ts";
import { createLogger } from "../../core/log.ts";
import { behaviourEnv } from "./config.ts";
import { heatmapOpenRoutes, OPENED_TOKEN_SECONDS } from "./open-link.ts";
import { verifyHeatmapToken } from "./token.ts";

const KEY = "heatmap-key-0123456789abcdef";
const PASSWORD = "open-sesame-0123";
const SITES = {
  mugs: {
    shop: "mugs.myshopify.com",
    platform: "shopify",
    origins: ["https://mugs.example", "https://mugs.myshopify.com"],
  },
};

function routes(env: Record<string, string> = {}, address = () => "198.51.100.7") {
  const config = loadConfig(behaviourEnv, {
    BEHAVIOUR_SITES: JSON.stringify(SITES),
    HEATMAP_TOKEN_KEY: KEY,
    HEATMAP_OPEN_PASSWORD: PASSWORD,
    ...env,
  });
  return heatmapOpenRoutes(config, address as (c: Context) => string, createLogger("test"));
}
const basic = (password: string) => ({
  authorization: `Basic ${Buffer.from(`owner:${password}`).toString("base64")}`,
});

describe("GET /heatmap/open", () => {
  it("asks for the password, then redirects to the page on the site's first origin with a token for that site", async () => {
    const app = routes();
    const path = "/heatmap/open?site=mugs&page=%2Fproducts%2Fmug%3Femail%3Dx";
    const asked = await app.request(path);
    expect(asked.status).toBe(401);
    expect(asked.headers.get("www-authenticate")).toMatch(/^Basic realm="MetricsDash heatmaps"/);
    expect((await app.request(path, { headers: basic("wrong-password-000") })).status).toBe(401);

    const before = Date.now();
    const opened = await app.request(path, { headers: basic(PASSWORD) });
    const after = Date.now();
    expect(opened.status).toBe(302);
    expect(opened.headers.get("cache-control")).toBe("no-store");
    const target = new URL(opened.headers.get("location")!);
    expect(target.origin + target.pathname).toBe("https://mugs.example/products/mug");
    expect([...target.searchParams.keys()]).toEqual(["md_heatmap"]); // the query is not carried over
    const grant = verifyHeatmapToken(KEY, target.searchParams.get("md_heatmap")!);
    expect(grant?.site).toBe("mugs");
    expect(grant!.exp * 1000 - before).toBeGreaterThan((OPENED_TOKEN_SECONDS - 5) * 1000);
    // Minted between before and after, in whole seconds: a request that crosses a second boundary
    // may end past before + the lifetime, never past after + it.
    expect(grant!.exp * 1000 - after).toBeLessThanOrEqual(OPENED_TOKEN_SECONDS * 1000);
  });

  it("never redirects off the site's origin, and names unknown sites", async () => {
    const app = routes();
    for (const page of ["//evil.example/x", "https://evil.example/", "products", ""]) {
      const response = await app.request(`/heatmap/open?site=mugs&page=${encodeURIComponent(page)}`, {
        headers: basic(PASSWORD),
      });
      expect(response.status, page).toBe(400);
      expect(response.headers.get("location")).toBeNull();
    }
    const unknown = await app.request("/heatmap/open?site=teapots&page=/", { headers: basic(PASSWORD) });
    expect(unknown.status).toBe(404);
  });

  it("limits attempts per client address, so the password cannot be guessed at speed", async () => {
    let client = "203.0.113.1";
    const app = routes({}, () => client);
    const statuses = [];
    for (let i = 0; i < 25; i++)
      statuses.push(
        (await app.request("/heatmap/open?site=mugs&page=/", { headers: basic(`guess-${i}-00000`) })).status,
      );
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.slice(20)).toEqual([429, 429, 429, 429, 429]);
    client = "203.0.113.2";
    expect((await app.request("/heatmap/open?site=mugs&page=/", { headers: basic(PASSWORD) })).status).toBe(
      302,
    );
  });

  it("is off, saying why, unless both the key and the password are set", async () => {
    for (const env of [{ HEATMAP_OPEN_PASSWORD: "" }, { HEATMAP_TOKEN_KEY: "" }] as Record<
      string,
      string
    >[]) {
      const response = await routes(env).request("/heatmap/open?site=mugs&page=/", {
        headers: basic(PASSWORD),
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: "overlay_links_off" } });
    }
  });
});
