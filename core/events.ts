import { createHash } from "node:crypto";
import { z } from "zod";
import { Payment } from "./payment-events.ts";
import { MAX_LENGTH, MAX_TOKEN_LENGTH } from "./limits.ts";

/**
 * The canonical events: what every platform adapter produces and every processor consumes.
 * Money is integer minor units of `currency` (the shop's currency); times are UTC instants (ISO 8601).
 * Nothing here identifies a person: customers appear only as a keyed hash.
 */

export const EVENT_VERSION = 1;

const instant = z.iso.datetime({ offset: true });
const minor = z.number().int().refine(Number.isSafeInteger, "must be a safe integer");
const currency = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code");
const id = z.string().min(1).max(MAX_LENGTH.id);
const sku = z.string().min(1).max(MAX_LENGTH.sku);

/** Whether an order counts towards revenue right now, decided by the adapter from the platform's statuses. */
export const SalesStatus = z.enum(["sale", "pending", "cancelled"]);

export const OrderLine = z.object({
  lineId: id,
  productId: id.nullable(),
  variantId: id.nullable(),
  /** The SKU, or `variant:<id>` when the merchant left the SKU empty, so every line has a stock key. */
  sku,
  quantity: z.number().int().min(0),
  unitPriceMinor: minor,
  /** Price × quantity less line discounts. */
  totalMinor: minor,
});

export const Order = z.object({
  orderId: id,
  orderNumber: z.string().max(64).nullable(),
  createdAt: instant,
  updatedAt: instant,
  cancelledAt: instant.nullable(),
  status: SalesStatus,
  financialStatus: z.string().max(32).nullable(),
  currency,
  totalMinor: minor,
  subtotalMinor: minor,
  taxMinor: minor,
  discountMinor: minor,
  shippingMinor: minor,
  test: z.boolean(),
  customerKey: z.string().nullable(),
  lines: z.array(OrderLine),
});

export const Refund = z.object({
  refundId: id,
  orderId: id,
  createdAt: instant,
  currency,
  amountMinor: minor,
  lines: z.array(z.object({ lineId: id, sku: sku.nullable(), quantity: z.number().int() })),
});

export const InventoryLevel = z.object({
  inventoryItemId: id,
  locationId: id,
  sku: sku.nullable(),
  available: z.number().int().nullable(),
  updatedAt: instant,
});

export const Checkout = z.object({
  checkoutId: id,
  createdAt: instant,
  updatedAt: instant,
  currency,
  totalMinor: minor,
  completedAt: instant.nullable(),
});

export const Product = z.object({
  productId: id,
  title: z.string().max(512),
  updatedAt: instant,
  variants: z.array(
    z.object({
      variantId: id,
      sku,
      inventoryItemId: id.nullable(),
      /** Null when the platform's payload names no currency (Shopify's products webhooks don't). */
      priceMinor: minor.nullable(),
    }),
  ),
});

/**
 * What a shop is, as its platform's API says: the currency its money is kept in and its time zone,
 * so "today" and "same time yesterday" can be the store's own. Published by the catch-up for every
 * shop with API access; a platform that gives only an offset (WordPress "UTC+5:30") leaves `timeZone` null.
 */
export const ShopInfo = z.object({
  currency,
  /** IANA zone (`Europe/London`). */
  timeZone: z.string().min(1).max(64).nullable(),
  /** Minutes east of UTC, when the platform gives an offset rather than (or as well as) a zone. */
  utcOffsetMinutes: z.number().int().min(-1440).max(1440).nullable(),
  updatedAt: instant,
});

/**
 * A pointer to something the delivery did not carry, resolved off the hot path by the fetchers
 * (`processors/fetchers/`): BigCommerce's thin webhooks name an order or product by id only, and a
 * WooCommerce refund seen inside an order has no time of its own, so its first sighting is settled
 * once. Ingest never calls a platform's API; the fetchers do, within the platform's rate limits.
 */
export const Ref = z.object({
  resource: z.enum(["order", "refund", "product", "sku", "shipments", "balance_transaction"]),
  id,
  /** Where the resource lives, when the delivery named it by URL (ShipStation's `resource_url`); fetched only from the configured API base. */
  url: z.url().max(512).optional(),
  /** The platform's name for what happened (`store/order/created`, `order.updated`). */
  action: z.string().min(1).max(128),
  /** When the platform says it happened (or when the delivery saw it). */
  observedAt: instant,
  /** A refund the delivery already carried in full, whose time the fetchers settle on first sighting. */
  refund: Refund.optional(),
});

/**
 * A parcel a shipper bought a label for. Tracking numbers are kept (an owner needs them to chase a
 * late parcel); recipient names, addresses, emails and phone numbers never enter this schema.
 */
export const Shipment = z.object({
  shipmentId: id,
  /** The order as the store named it to the shipper (ShipStation `orderNumber`), for joining with orders. */
  orderRef: z.string().min(1).max(128).nullable(),
  carrier: z.string().max(64).nullable(),
  service: z.string().max(64).nullable(),
  trackingNumber: z.string().max(64).nullable(),
  currency,
  labelCostMinor: minor,
  /** When the label was bought. */
  createdAt: instant,
  shippedAt: instant.nullable(),
  voidedAt: instant.nullable(),
  isReturn: z.boolean(),
  /** The newest of the times above: a stale state never overwrites a newer one. */
  updatedAt: instant,
});

/** Shippo's tracking statuses; every shipper's tracking is told in these words. */
export const TrackingStatus = z.enum([
  "PRE_TRANSIT",
  "TRANSIT",
  "DELIVERED",
  "RETURNED",
  "FAILURE",
  "UNKNOWN",
]);

/** One step of a parcel's way as its carrier reported it. No location: it narrows down where the recipient lives. */
export const TrackingStep = z.object({
  status: TrackingStatus,
  /** The carrier's finer word (`delivery_attempted`, `package_lost`), when it gives one. */
  substatus: z.string().max(64).nullable(),
  at: instant,
});

/**
 * A parcel's tracking as of its newest step: its status now, the ETA, and the steps so far. A
 * state older than the one stored (a webhook delivered late) never overwrites it.
 */
export const Tracking = z.object({
  trackingNumber: z.string().min(1).max(64),
  carrier: z.string().max(64).nullable(),
  /** The label it belongs to (Shippo's transaction id), when the shipper says. */
  shipmentId: id.nullable(),
  orderRef: z.string().min(1).max(128).nullable(),
  status: TrackingStatus,
  substatus: z.string().max(64).nullable(),
  /** When the newest step happened: the state's version. */
  at: instant,
  eta: instant.nullable(),
  deliveredAt: instant.nullable(),
  /** Oldest first, at most 100 (a parcel with more has been lost in a loop). */
  history: z.array(TrackingStep).max(100),
});

const envelope = {
  v: z.literal(EVENT_VERSION),
  platform: z.string().regex(/^[a-z][a-z0-9_-]*$/),
  /** The shop as the platform names it (e.g. `acme.myshopify.com`). */
  shop: z.string().min(1).max(MAX_LENGTH.shop),
  /** The platform's delivery/event id: also the JetStream `Nats-Msg-Id`. */
  eventId: z.string().min(1).max(MAX_LENGTH.eventId),
  receivedAt: instant,
  /**
   * `webhook` when ingest received the event as a platform's webhook delivery (Data health's "last
   * webhook received"); absent on events read from a platform's API (catch-up, history, re-fetch).
   */
  via: z.literal("webhook").optional(),
};

export const CanonicalEvent = z.discriminatedUnion("type", [
  z.object({ ...envelope, type: z.literal("order"), order: Order }),
  z.object({ ...envelope, type: z.literal("refund"), refund: Refund }),
  z.object({ ...envelope, type: z.literal("inventory_level"), inventoryLevel: InventoryLevel }),
  z.object({ ...envelope, type: z.literal("checkout"), checkout: Checkout }),
  z.object({ ...envelope, type: z.literal("product"), product: Product }),
  z.object({ ...envelope, type: z.literal("ref"), ref: Ref }),
  z.object({ ...envelope, type: z.literal("shop"), shopInfo: ShopInfo }),
  z.object({ ...envelope, type: z.literal("shipment"), shipment: Shipment }),
  z.object({ ...envelope, type: z.literal("payment"), payment: Payment }),
  z.object({ ...envelope, type: z.literal("tracking"), tracking: Tracking }),
]);

export type OrderLine = z.infer<typeof OrderLine>;
export type Order = z.infer<typeof Order>;
export type Refund = z.infer<typeof Refund>;
export type InventoryLevel = z.infer<typeof InventoryLevel>;
export type Checkout = z.infer<typeof Checkout>;
export type Product = z.infer<typeof Product>;
export type Ref = z.infer<typeof Ref>;
export type ShopInfo = z.infer<typeof ShopInfo>;
export type Shipment = z.infer<typeof Shipment>;
export type Tracking = z.infer<typeof Tracking>;
export type TrackingStatus = z.infer<typeof TrackingStatus>;
export type CanonicalEvent = z.infer<typeof CanonicalEvent>;
export type RefEvent = Extract<CanonicalEvent, { type: "ref" }>;
export type PaymentEvent = Extract<CanonicalEvent, { type: "payment" }>;
export type EventType = CanonicalEvent["type"];
export type SalesStatus = z.infer<typeof SalesStatus>;

/**
 * NATS subject tokens can't hold `.`, `*`, `>` or white space, and shop domains are full of dots.
 * Anything outside [a-z0-9-] is written as `_` plus two hex digits, which is reversible and
 * never collides (`_` itself is escaped).
 */
export function subjectToken(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9-]/g, (ch) => {
    const code = ch.codePointAt(0) as number;
    if (code > 0xff) return `_u${code.toString(16).padStart(6, "0")}`;
    return `_${code.toString(16).padStart(2, "0")}`;
  });
}

/**
 * A subject-safe token for a name, short whatever its length: the escaped name itself when that
 * fits in MAX_TOKEN_LENGTH, else `H` and the SHA-256 of the name. Escaped names are lower case, so a
 * hash never reads as one. For KV keys built from names (a SKU in an alert's subject can be 255
 * characters of which each may escape to 8).
 *
 * @example boundedToken("acme.myshopify.com") // "acme_2emyshopify_2ecom"
 */
export function boundedToken(name: string): string {
  const token = subjectToken(name);
  if (token.length <= MAX_TOKEN_LENGTH) return token;
  return `H${createHash("sha256").update(name).digest("base64url")}`;
}

export function eventSubject(event: Pick<CanonicalEvent, "platform" | "shop" | "type">): string {
  return `evt.${event.platform}.${subjectToken(event.shop)}.${event.type}`;
}

/**
 * The canonical `shop` event for a shop's settings: one message per distinct setting (its id hashes
 * the settings), however many installs or catch-up rounds see the same ones.
 */
export function shopEvent(
  platform: string,
  shop: string,
  info: Omit<ShopInfo, "updatedAt">,
  at: string,
): CanonicalEvent {
  const digest = createHash("sha256").update(JSON.stringify(info)).digest("base64url").slice(0, 16);
  return {
    v: EVENT_VERSION,
    platform,
    shop,
    type: "shop",
    eventId: `shop:${digest}`,
    receivedAt: at,
    shopInfo: { ...info, updatedAt: at },
  };
}

/**
 * A canonical stock level. Its id is the level's own content, so the same level seen through a
 * webhook, a fetch and a history is one message.
 */
export function inventoryLevelEvent(
  platform: string,
  shop: string,
  level: InventoryLevel,
  receivedAt: string,
): CanonicalEvent {
  return {
    v: EVENT_VERSION,
    platform,
    shop,
    type: "inventory_level",
    // The location too: one item's stock at two locations, changed in the same second to the same
    // count, is two reports, and the same id would make JetStream drop the second as a duplicate.
    eventId: `stock:${level.inventoryItemId}:${level.locationId}:${level.updatedAt}:${level.available}`,
    receivedAt,
    inventoryLevel: level,
  };
}
