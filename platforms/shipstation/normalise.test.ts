import { describe, expect, it } from "vitest";
import { normaliseShipment, pacificInstant } from "./normalise.ts";

describe("ShipStation V1 times (Pacific wall clock, no offset)", () => {
  it("turn into UTC instants on both sides of daylight saving", () => {
    // PDT is UTC−7 until the first Sunday of November (2026-11-01), PST UTC−8 after.
    expect(pacificInstant("2026-07-04T09:15:30.0000000")).toBe("2026-07-04T16:15:30.000Z");
    expect(pacificInstant("2026-11-30T14:01:02.0000000")).toBe("2026-11-30T22:01:02.000Z");
    expect(pacificInstant("2026-12-01")).toBe("2026-12-01T08:00:00.000Z");
  });
});

describe("a V1 shipment", () => {
  const base = {
    shipmentId: 42,
    orderNumber: "1001",
    createDate: "2026-11-30T14:01:02.0000000",
    shipDate: "2026-11-30",
    shipmentCost: 8.3,
    trackingNumber: "9400",
    carrierCode: "usps",
    serviceCode: "usps_priority_mail",
  };

  it("keeps cost in exact minor units of the account's currency, and the label time as shipped that day", () => {
    expect(normaliseShipment(base, "USD")).toEqual({
      shipmentId: "42",
      orderRef: "1001",
      carrier: "usps",
      service: "usps_priority_mail",
      trackingNumber: "9400",
      currency: "USD",
      labelCostMinor: 830,
      createdAt: "2026-11-30T22:01:02.000Z",
      shippedAt: "2026-11-30T22:01:02.000Z",
      voidedAt: null,
      isReturn: false,
      updatedAt: "2026-11-30T22:01:02.000Z",
    });
  });

  it("dates a void, which makes it the newest state", () => {
    const voided = normaliseShipment(
      { ...base, voided: true, voidDate: "2026-12-02T09:00:00.0000000" },
      "USD",
    );
    expect(voided.voidedAt).toBe("2026-12-02T17:00:00.000Z");
    expect(voided.updatedAt).toBe("2026-12-02T17:00:00.000Z");
  });

  it("refuses a cost with more decimals than the currency has", () => {
    expect(() => normaliseShipment({ ...base, shipmentCost: 8.333 }, "USD")).toThrow(RangeError);
  });
});
