import { describe, expect, it } from "vitest";
import { CanonicalEvent, eventSubject, subjectToken } from "./events.ts";

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

describe("ref and shop events", () => {
  const envelope = {
    v: 1,
    platform: "bigcommerce",
    shop: "abc123",
    eventId: "store/order/created:f00d",
    receivedAt: "2026-11-25T12:00:00.000Z",
  };

  it("accepts a thin reference and a shop's currency and zone", () => {
    const ref = {
      ...envelope,
      type: "ref",
      ref: { resource: "order", id: "17", action: "store/order/created", observedAt: envelope.receivedAt },
    };
    expect(CanonicalEvent.parse(ref)).toEqual(ref);
    const shop = {
      ...envelope,
      type: "shop",
      shopInfo: {
        currency: "KWD",
        timeZone: "Asia/Kuwait",
        utcOffsetMinutes: 180,
        updatedAt: envelope.receivedAt,
      },
    };
    expect(CanonicalEvent.parse(shop)).toEqual(shop);
  });

  it("refuses a reference to something no fetcher knows", () => {
    const bad = {
      ...envelope,
      type: "ref",
      ref: { resource: "cart", id: "1", action: "x", observedAt: envelope.receivedAt },
    };
    expect(CanonicalEvent.safeParse(bad).success).toBe(false);
  });
});
