import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { missingScopes, parseStoreHash, sentFromOurPage, viewAllowed, viewToken } from "./connect.ts";

describe("missingScopes", () => {
  it("names what a grant lacks, counting a modify scope as its read-only one", () => {
    expect(
      missingScopes("store_v2_orders_read_only store_v2_products_read_only store_v2_information_read_only"),
    ).toEqual([]);
    expect(missingScopes("store_v2_orders store_v2_products store_v2_information")).toEqual([]);
    expect(missingScopes("store_v2_orders_read_only store_channel_listings_read_only")).toEqual([
      "Products: read-only",
      "Information & settings: read-only",
    ]);
    expect(missingScopes("")).toHaveLength(3);
  });
});

describe("parseStoreHash", () => {
  it("takes a hash or the API path it sits in, and nothing else", () => {
    expect(parseStoreHash(" Abc123DEF ")).toBe("abc123def");
    expect(parseStoreHash("https://api.bigcommerce.com/stores/g5cd38/v3/")).toBe("g5cd38");
    expect(parseStoreHash("stores/../admin")).toBeNull();
    expect(parseStoreHash("")).toBeNull();
    expect(parseStoreHash("my store")).toBeNull();
  });
});

describe("sentFromOurPage", () => {
  const app = new Hono().post("/", (c) => c.text(String(sentFromOurPage(c, "https://connect.example"))));
  const post = async (headers: Record<string, string>) =>
    (await app.request("http://127.0.0.1:8081/", { method: "POST", headers })).text();

  it("accepts a post from our public origin or our own address", async () => {
    expect(await post({ origin: "https://connect.example", "sec-fetch-site": "same-origin" })).toBe("true");
    expect(await post({ origin: "http://127.0.0.1:8081" })).toBe("true");
    expect(await post({ referer: "https://connect.example/" })).toBe("true");
  });

  it("refuses another site's form, a same-site one, and a post with no origin at all", async () => {
    expect(await post({ origin: "https://evil.example" })).toBe("false");
    expect(await post({ origin: "https://connect.example", "sec-fetch-site": "cross-site" })).toBe("false");
    expect(await post({ "sec-fetch-site": "same-site", origin: "https://connect.example" })).toBe("false");
    expect(await post({ referer: "https://evil.example/form" })).toBe("false");
    expect(await post({})).toBe("false");
  });
});

describe("view tokens", () => {
  const key = Buffer.alloc(32, 7);
  const now = Date.UTC(2026, 10, 25, 18, 0, 0);

  it("open one store's progress for twelve hours", () => {
    const token = viewToken(key, "abc123", now);
    expect(viewAllowed(key, "abc123", token, now + 60_000)).toBe(true);
    expect(viewAllowed(key, "abc123", token, now + 12 * 3_600_000 + 1)).toBe(false);
    expect(viewAllowed(key, "def456", token, now)).toBe(false);
    expect(viewAllowed(Buffer.alloc(32, 8), "abc123", token, now)).toBe(false);
  });

  it("can't be stretched or made up", () => {
    const [at, mac] = viewToken(key, "abc123", now).split(".");
    expect(viewAllowed(key, "abc123", `${Number(at) + 3_600_000}.${mac}`, now)).toBe(false);
    expect(viewAllowed(key, "abc123", undefined, now)).toBe(false);
    expect(viewAllowed(key, "abc123", "garbage", now)).toBe(false);
  });
});
