import { describe, expect, it } from "vitest";
import {
  CanonicalEvent,
  eventSubject,
  inventoryLevelEvent,
  subjectToken,
  type InventoryLevel,
} from "./events.ts";

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

describe("stock-event ids", () => {
  const level: InventoryLevel = {
    inventoryItemId: "808950810",
    locationId: "655441491",
    sku: "IPOD-342-N",
    available: 7,
    updatedAt: "2026-11-30T10:00:00.000Z",
  };
  const idOf = (changes: Partial<InventoryLevel>, receivedAt = "2026-11-30T10:00:01.000Z") =>
    inventoryLevelEvent("bigcommerce", "abc123", { ...level, ...changes }, receivedAt).eventId;

  it("are the same for one report however it reaches us (webhook, catch-up, history), so JetStream keeps one", () => {
    expect(idOf({}, "2026-11-30T10:00:01.000Z")).toBe(idOf({}, "2026-11-30T11:30:00.000Z"));
  });

  it("differ for another location, count, time or item, so no report is dropped as a duplicate", () => {
    const ids = [
      idOf({}),
      idOf({ locationId: "655441492" }),
      idOf({ available: 6 }),
      idOf({ available: null }),
      idOf({ updatedAt: "2026-11-30T10:00:02.000Z" }),
      idOf({ inventoryItemId: "808950811" }),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });
});
