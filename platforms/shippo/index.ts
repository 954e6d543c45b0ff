import { z } from "zod";
import { EVENT_VERSION, type CanonicalEvent, type Shipment, type Tracking } from "../../core/events.ts";
import { parseJsonExact } from "../../core/json.ts";
import type { Logger } from "../../core/log.ts";
import {
  parsePayload,
  InvalidPayload,
  type PlatformAdapter,
  type PlatformApi,
  type PlatformApiModule,
  type PlatformModule,
  type WebhookResult,
} from "../adapter.ts";
import { ShippoClient } from "./client.ts";
import { normaliseTrack, normaliseTransaction } from "./normalise.ts";
import { ShippoTrack, ShippoTransaction, ShippoWebhook } from "./payload.ts";
import { SIGNATURE_HEADER, verifyShippo } from "./verify.ts";
import { shippoDemo } from "./demo/index.ts";

export const PLATFORM = "shippo";

const account = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]{0,63}$/,
    "SHIPPO_ACCOUNT must be 1–64 lower-case letters, digits, dots or dashes",
  )
  .default("shippo");
const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, "SHIPPO_CURRENCY must be an ISO 4217 code")
  .default("USD");

const env = z.object({
  SHIPPO_WEBHOOK_TOKEN: z.string().min(16, "SHIPPO_WEBHOOK_TOKEN must be at least 16 characters"),
  SHIPPO_WEBHOOK_HMAC_SECRET: z
    .string()
    .min(16, "SHIPPO_WEBHOOK_HMAC_SECRET must be at least 16 characters")
    .optional(),
  SHIPPO_ACCOUNT: account,
  /** For a label whose rate names no currency (listings that give the rate by id only). */
  SHIPPO_CURRENCY: currency,
  /** `true` also records Shippo's test-mode webhooks (`"test": true`); by default they are acknowledged and ignored. */
  SHIPPO_ACCEPT_TEST: z.enum(["true", "false"]).default("false"),
});

const apiEnv = z.object({
  SHIPPO_API_TOKEN: z.string().min(1, "SHIPPO_API_TOKEN is required"),
  SHIPPO_API_URL: z.url("SHIPPO_API_URL must be a URL").default("https://api.goshippo.com"),
  SHIPPO_ACCOUNT: account,
  SHIPPO_CURRENCY: currency,
});

const envelope = (shop: string, receivedAt: string) => ({
  v: EVENT_VERSION as typeof EVENT_VERSION,
  platform: PLATFORM,
  shop,
  receivedAt,
});

/** One message per label state: the same state seen by webhook and catch-up is one message. */
export function shipmentEvent(shop: string, shipment: Shipment, receivedAt: string): CanonicalEvent {
  const eventId = `shipment:${shipment.shipmentId}:${shipment.voidedAt ? "voided" : "live"}`;
  return { ...envelope(shop, receivedAt), type: "shipment", eventId, shipment };
}

/** One message per parcel step: Shippo's tracking webhooks are not idempotent, so redeliveries collapse here. */
export function trackingEvent(shop: string, tracking: Tracking, receivedAt: string): CanonicalEvent {
  const eventId = `track:${tracking.carrier ?? ""}:${tracking.trackingNumber}:${tracking.at}:${tracking.status}`;
  return { ...envelope(shop, receivedAt), type: "tracking", eventId, tracking };
}

function parseBody(raw: Buffer): z.infer<typeof ShippoWebhook> {
  let body: unknown;
  try {
    body = parseJsonExact(raw.toString("utf8"));
  } catch {
    throw new InvalidPayload("Shippo webhook: body is not JSON");
  }
  return parsePayload(ShippoWebhook, body, "Shippo webhook");
}

function createAdapter(config: z.infer<typeof env>): PlatformAdapter {
  const secrets = { token: config.SHIPPO_WEBHOOK_TOKEN, hmacSecret: config.SHIPPO_WEBHOOK_HMAC_SECRET };
  const shop = config.SHIPPO_ACCOUNT;
  return {
    platform: PLATFORM,
    verify: (delivery) => verifyShippo(secrets, delivery),
    handle(delivery): WebhookResult {
      const hook = parseBody(delivery.rawBody);
      if (hook.test && config.SHIPPO_ACCEPT_TEST !== "true") return { kind: "ignore", reason: "test_mode" };
      if (hook.event === "transaction_created" || hook.event === "transaction_updated") {
        const tx = parsePayload(ShippoTransaction, hook.data, `Shippo ${hook.event}`);
        const shipment = normaliseTransaction(tx, config.SHIPPO_CURRENCY);
        if (!shipment) return { kind: "ignore", reason: `transaction_${tx.status.toLowerCase()}` };
        return { kind: "publish", events: [shipmentEvent(shop, shipment, delivery.receivedAt)] };
      }
      if (hook.event === "track_updated") {
        const tracking = normaliseTrack(parsePayload(ShippoTrack, hook.data, "Shippo track_updated"));
        if (!tracking) return { kind: "ignore", reason: "track_without_status" };
        return { kind: "publish", events: [trackingEvent(shop, tracking, delivery.receivedAt)] };
      }
      return { kind: "ignore", reason: hook.event.toLowerCase().slice(0, 64) };
    },
  };
}

function createApi(config: z.infer<typeof apiEnv>, shared: { log: Logger }): PlatformApi {
  const client = new ShippoClient({
    apiUrl: config.SHIPPO_API_URL,
    apiToken: config.SHIPPO_API_TOKEN,
    log: shared.log,
  });
  return {
    platform: PLATFORM,
    shop: config.SHIPPO_ACCOUNT,
    // Shippo's webhooks carry their objects whole: there is nothing to resolve.
    resolve: async () => [],
    // Labels bought since `since`, so one whose webhook was lost (Shippo retries only briefly) still lands.
    async *ordersModifiedSince(since, receivedAt) {
      const url = client.transactionsUrl({ object_created_gt: since.toISOString(), results: "100" });
      for await (const page of client.transactionPages(url)) {
        yield page.results
          .map((tx) => normaliseTransaction(tx, config.SHIPPO_CURRENCY))
          .filter((s): s is Shipment => s !== null)
          .map((s) => shipmentEvent(config.SHIPPO_ACCOUNT, s, receivedAt));
      }
    },
    reactivateHooks: async () => 0,
  };
}

const api: PlatformApiModule<typeof apiEnv> = {
  env: apiEnv,
  configuredBy: ["SHIPPO_API_TOKEN"],
  create: (config, shared) => createApi(config, shared),
};

export const shippo: PlatformModule<typeof env> = {
  platform: PLATFORM,
  env,
  configuredBy: ["SHIPPO_WEBHOOK_TOKEN"],
  redact: {
    fields: ["SHIPPO_WEBHOOK_TOKEN", "SHIPPO_WEBHOOK_HMAC_SECRET", "SHIPPO_API_TOKEN"],
    headers: ["authorization", SIGNATURE_HEADER],
  },
  create(config) {
    if (!config) throw new Error("Shippo needs SHIPPO_WEBHOOK_TOKEN (it connects no stores)");
    return createAdapter(config);
  },
  api,
  demoFollower: shippoDemo,
};
