import { createHash } from "node:crypto";
import type { ParcelPlan, ParcelStatus } from "../../../demo/parcels.ts";
import type { DemoOrder } from "../../adapter.ts";

/**
 * Shippo's webhook bodies for the demo's parcels (`{event, test, data}`): `transaction_created` with
 * the label's rate, and `track_updated` with the parcel's status now and its whole history. The
 * addresses carry fake places (our parser drops them); the order is in `metadata`, as Shippo's
 * store integrations put it.
 */

/** Shippo's rate fields per service of the parcel plan (ground, priority, express). */
export const SHIPPO_SERVICES = [
  { provider: "USPS", carrier: "usps", token: "usps_ground_advantage", name: "Ground Advantage" },
  { provider: "USPS", carrier: "usps", token: "usps_priority", name: "Priority Mail" },
  {
    provider: "DHL Express",
    carrier: "dhl_express",
    token: "dhl_express_domestic_express_doc",
    name: "Domestic Express",
  },
] as const;
export const SHIPPO_TRACKING_PREFIXES = ["9200", "9205", "JD0146"] as const;

const iso = (at: number) => new Date(Math.floor(at / 1000) * 1000).toISOString().replace(".000Z", "Z");
const hex = (...parts: (string | number)[]) => createHash("md5").update(parts.join(":")).digest("hex");

export const shippoTransactionId = (order: DemoOrder) => hex("tx", order.shop, order.reference);

const DETAILS: Record<ParcelStatus, string> = {
  PRE_TRANSIT: "Shipping label created, carrier awaiting item.",
  TRANSIT: "Accepted at the carrier's facility.",
  DELIVERED: "Delivered, in or at mailbox.",
  RETURNED: "Return to sender processed.",
  FAILURE: "Delivery exception: address not accessible.",
};
const SUBSTATUS: Partial<Record<ParcelStatus, string>> = {
  FAILURE: "address_issue",
  RETURNED: "return_to_sender",
  TRANSIT: "package_accepted",
};

export function transactionCreated(order: DemoOrder, plan: ParcelPlan): Record<string, unknown> {
  const service = SHIPPO_SERVICES[plan.service];
  const id = shippoTransactionId(order);
  return {
    event: "transaction_created",
    test: false,
    data: {
      object_state: "VALID",
      status: "SUCCESS",
      object_created: iso(plan.labelAt),
      object_updated: iso(plan.labelAt + 2000),
      object_id: id,
      object_owner: "owner@demo-shippo.metricsdash.example",
      test: false,
      rate: {
        amount: (plan.costMinor / 100).toFixed(2),
        currency: "USD",
        provider: service.provider,
        servicelevel_token: service.token,
        servicelevel_name: service.name,
      },
      tracking_number: plan.trackingNumber,
      tracking_status: "UNKNOWN",
      eta: iso(plan.eta),
      tracking_url_provider: `https://tools.usps.com/go/TrackConfirmAction_input?origTrackNum=${plan.trackingNumber}`,
      label_url: `https://deliver.goshippo.com/${id}.pdf`,
      commercial_invoice_url: "",
      messages: [],
      order: null,
      metadata: `Order #${order.reference}`,
      parcel: hex("parcel", id),
    },
  };
}

/** The parcel as Shippo reports it after its `upTo`-th scan (0 = the first). */
export function trackUpdated(order: DemoOrder, plan: ParcelPlan, upTo: number): Record<string, unknown> {
  const service = SHIPPO_SERVICES[plan.service];
  const s = order.spec.shopper;
  const step = (k: number) => {
    const { status, at } = plan.steps[k]!;
    return {
      object_created: iso(at + 30_000),
      object_id: hex("step", plan.trackingNumber, k),
      status,
      status_details: DETAILS[status],
      status_date: iso(at),
      substatus: SUBSTATUS[status]
        ? { code: SUBSTATUS[status], text: DETAILS[status], action_required: status === "FAILURE" }
        : null,
      location: { city: s.city, state: s.provinceCode, zip: s.zip, country: "US" },
    };
  };
  const history = plan.steps.slice(0, upTo + 1).map((_, k) => step(k));
  return {
    event: "track_updated",
    test: false,
    data: {
      messages: [],
      carrier: service.carrier,
      tracking_number: plan.trackingNumber,
      address_from: { city: "Reno", state: "NV", zip: "89502", country: "US" },
      address_to: { city: s.city, state: s.provinceCode, zip: s.zip, country: "US" },
      transaction: shippoTransactionId(order),
      eta: iso(plan.eta),
      original_eta: iso(plan.eta),
      servicelevel: { token: service.token, name: service.name },
      metadata: `Order #${order.reference}`,
      tracking_status: history.at(-1),
      tracking_history: history,
      test: false,
    },
  };
}
