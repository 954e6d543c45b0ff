import { describe, expect, it } from "vitest";
import { normaliseTrack, normaliseTransaction, shippoOrderRef } from "./normalise.ts";
import { ShippoTrack, ShippoTransaction } from "./payload.ts";

describe("Shippo normalisation", () => {
  it("reads the order from metadata as Shippo's examples write it", () => {
    expect(shippoOrderRef("Order 000123")).toBe("000123");
    expect(shippoOrderRef("Order #1001")).toBe("1001");
    expect(shippoOrderRef("order no. 55")).toBe("55");
    expect(shippoOrderRef("WC-102")).toBe("WC-102");
    expect(shippoOrderRef("")).toBeNull();
    expect(shippoOrderRef(null)).toBeNull();
  });

  it("makes a bought label a shipment in minor units of its rate's currency; a queued one nothing", () => {
    const tx = ShippoTransaction.parse({
      object_id: "tx1",
      object_created: "2026-11-30T18:05:00Z",
      object_updated: "2026-11-30T18:06:00Z",
      status: "SUCCESS",
      tracking_number: "9400",
      metadata: "Order #1001",
      rate: {
        amount: "12.5",
        currency: "EUR",
        provider: "DHL_Express",
        servicelevel_token: "dhl_express_worldwide",
      },
      created_by: { first_name: "Someone" },
    });
    expect(normaliseTransaction(tx, "USD")).toEqual({
      shipmentId: "tx1",
      orderRef: "1001",
      carrier: "dhl_express",
      service: "dhl_express_worldwide",
      trackingNumber: "9400",
      currency: "EUR",
      labelCostMinor: 1250,
      createdAt: "2026-11-30T18:05:00.000Z",
      shippedAt: "2026-11-30T18:05:00.000Z",
      voidedAt: null,
      isReturn: false,
      updatedAt: "2026-11-30T18:06:00.000Z",
    });
    expect(normaliseTransaction({ ...tx, status: "QUEUED" }, "USD")).toBeNull();
    expect(normaliseTransaction({ ...tx, status: "REFUNDED" }, "USD")?.voidedAt).toBe(
      "2026-11-30T18:06:00.000Z",
    );
  });

  it("keeps a track's newest step, its history oldest first, its delivery time, and no places", () => {
    const step = (status: string, at: string) => ({
      status,
      status_date: at,
      location: { city: "Somewhere" },
    });
    const track = ShippoTrack.parse({
      carrier: "USPS",
      tracking_number: "9400",
      eta: "2026-12-03T00:00:00Z",
      transaction: "tx1",
      address_to: { city: "Somewhere", zip: "12345" },
      tracking_status: step("RETURNED", "2026-12-05T10:00:00Z"),
      tracking_history: [
        step("DELIVERED", "2026-12-02T10:00:00Z"),
        step("PRE_TRANSIT", "2026-11-30T10:00:00Z"),
        step("RETURNED", "2026-12-05T10:00:00Z"),
      ],
    });
    const tracking = normaliseTrack(track)!;
    expect(tracking).toMatchObject({
      status: "RETURNED",
      at: "2026-12-05T10:00:00.000Z",
      deliveredAt: "2026-12-02T10:00:00.000Z",
      eta: "2026-12-03T00:00:00.000Z",
      shipmentId: "tx1",
      carrier: "usps",
    });
    expect(tracking.history.map((s) => s.status)).toEqual(["PRE_TRANSIT", "DELIVERED", "RETURNED"]);
    expect(JSON.stringify(tracking)).not.toContain("Somewhere");
  });
});
