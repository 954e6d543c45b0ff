import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildSdk, SDK_FILE } from "./build.ts";
import { pagePath } from "./browser/path.ts";
import { stableName } from "./browser/names.ts";

describe("the built SDK", () => {
  const committed = readFileSync(SDK_FILE, "utf8");

  it("is committed exactly as sdk/build.ts builds it (run `node sdk/build.ts` after a change)", () => {
    expect(committed).toBe(buildSdk());
  });

  it("stays within 6 KB gzipped", () => {
    const size = gzipSync(committed, { level: 9 }).length;
    console.log(`sdk.js: ${committed.length} bytes, ${size} gzipped`);
    expect(size).toBeLessThanOrEqual(6 * 1024);
  });

  it("parses as a classic script (served to every storefront as it is)", () => {
    expect(() => new Function(committed)).not.toThrow();
  });
});

describe("pagePath", () => {
  it("keeps the path and utm_* tags, drops every other query parameter", () => {
    expect(
      pagePath({
        pathname: "/products/mug",
        search: "?email=a%40b.example&utm_source=mail&variant=42&utm_campaign=black%20friday",
      }),
    ).toBe("/products/mug?utm_source=mail&utm_campaign=black%20friday");
    expect(pagePath({ pathname: "/cart", search: "?token=secret" })).toBe("/cart");
    expect(pagePath({ pathname: "", search: "" })).toBe("/");
  });
});

describe("stableName", () => {
  it("keeps names a theme developer wrote", () => {
    for (const name of [
      "add-to-cart",
      "product-form__submit",
      "btn",
      "feedback",
      "nav_item",
      "product_title",
    ])
      expect(stableName(name), name).toBe(true);
  });

  it("drops names that look generated or carry a visitor's data", () => {
    for (const name of [
      "css-1x2y3z",
      "sc-bdVaJa",
      "order-10492",
      "a1b2c3d4",
      "Button_root_x7Kq2",
      "jane@example.com",
      "x".repeat(41),
    ])
      expect(stableName(name), name).toBe(false);
  });
});
