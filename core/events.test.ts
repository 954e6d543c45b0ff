import { describe, expect, it } from "vitest";
import { eventSubject, subjectToken } from "./events.ts";

describe("subjects", () => {
  it("makes shop domains subject-safe", () => {
    expect(subjectToken("acme-store.myshopify.com")).toBe("acme-store_2emyshopify_2ecom");
    expect(subjectToken("a_b")).toBe("a_5fb");
    expect(subjectToken("https://shop.example/x y")).toBe("https_3a_2f_2fshop_2eexample_2fx_20y");
  });

  it("keeps distinct shops distinct", () => {
    expect(subjectToken("a.b_c")).not.toBe(subjectToken("a_b.c"));
  });

  it("names evt.<platform>.<shop>.<type>", () => {
    expect(eventSubject({ platform: "shopify", shop: "x.myshopify.com", type: "order" })).toBe(
      "evt.shopify.x_2emyshopify_2ecom.order",
    );
  });
});
