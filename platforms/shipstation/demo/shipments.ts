import { createHash } from "node:crypto";
import { wallClock } from "../../../core/zoned.ts";
import type { ParcelPlan } from "../../../demo/parcels.ts";
import type { DemoOrder } from "../../adapter.ts";
import { SHIPSTATION_ZONE } from "../normalise.ts";

/**
 * The demo ShipStation account's labels, as V1's `GET /shipments` lists them: Pacific wall-clock
 * times without an offset, costs as plain numbers in the account's currency, the recipient in
 * `shipTo` (fake names and streets; our parser drops them). A label joins a notification batch of
 * `BATCH_MS`, which its SHIP_NOTIFY names by `batchId`.
 */

export const BATCH_MS = 15 * 60_000;

/** ShipStation codes per service of the parcel plan (ground, priority, express) and their tracking numbers' look. */
export const SS_SERVICES = [
  { carrierCode: "usps", serviceCode: "usps_ground_advantage", packageCode: "package" },
  { carrierCode: "usps", serviceCode: "usps_priority_mail", packageCode: "package" },
  { carrierCode: "ups", serviceCode: "ups_2nd_day_air", packageCode: "package" },
] as const;
export const SS_TRACKING_PREFIXES = ["9300", "9405", "1Z8E2"] as const;

export interface SsLabel {
  json: Record<string, unknown>;
  createdAt: number;
  batchId: number;
}

const two = (n: number) => String(n).padStart(2, "0");

/** `2026-11-30T14:01:02.0000000`, Pacific, as V1 writes its times. */
export function pacificTimestamp(at: number): string {
  const w = wallClock(SHIPSTATION_ZONE, at);
  return `${w.year}-${two(w.month)}-${two(w.day)}T${two(w.hour)}:${two(w.minute)}:${two(w.second)}.0000000`;
}

export const batchOf = (at: number) => Math.floor(at / BATCH_MS);

export function ssLabel(shipmentId: number, order: DemoOrder, plan: ParcelPlan): SsLabel {
  const service = SS_SERVICES[plan.service];
  const s = order.spec.shopper;
  const created = pacificTimestamp(plan.labelAt);
  const grams = order.spec.lines.reduce((sum, l) => sum + l.product.grams * l.quantity, 0);
  return {
    createdAt: plan.labelAt,
    batchId: batchOf(plan.labelAt),
    json: {
      shipmentId,
      orderId: 400_000_000 + shipmentId,
      orderKey: createHash("md5").update(`${order.shop}:${order.reference}`).digest("hex"),
      userId: "3f1c2f0e-7b1d-4c1e-9a63-5b2f3d0a9c11",
      customerEmail: s.email,
      orderNumber: order.reference,
      createDate: created,
      shipDate: created.slice(0, 10),
      shipmentCost: plan.costMinor / 100,
      insuranceCost: 0,
      trackingNumber: plan.trackingNumber,
      isReturnLabel: false,
      batchNumber: String(batchOf(plan.labelAt)),
      carrierCode: service.carrierCode,
      serviceCode: service.serviceCode,
      packageCode: service.packageCode,
      confirmation: "none",
      warehouseId: 51_234,
      voided: false,
      voidDate: null,
      marketplaceNotified: true,
      notifyErrorMessage: null,
      shipTo: {
        name: `${s.firstName} ${s.lastName}`,
        company: null,
        street1: `${1 + (s.id % 400)} Demo Street`,
        street2: null,
        street3: null,
        city: s.city,
        state: s.provinceCode,
        postalCode: s.zip,
        country: "US",
        phone: `555-01${two(s.id % 100)}`,
        residential: true,
        addressVerified: "Address validated successfully",
      },
      weight: { value: Math.max(1, Math.round(grams / 28.35)), units: "ounces", WeightUnits: 1 },
      dimensions: null,
      insuranceOptions: { provider: null, insureShipment: false, insuredValue: 0 },
      advancedOptions: {
        billToParty: "4",
        billToAccount: null,
        billToPostalCode: null,
        billToCountryCode: null,
      },
      shipmentItems: null,
      labelData: null,
      formData: null,
    },
  };
}

/** The webhook V1 POSTs for a batch: only where to read it. */
export function shipNotify(apiUrl: string, batchId: number): Record<string, string> {
  return {
    resource_url: `${apiUrl}/shipments?batchId=${batchId}&includeShipmentItems=False`,
    resource_type: "SHIP_NOTIFY",
  };
}
