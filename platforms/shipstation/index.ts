import { createHash } from "node:crypto";
import { z } from "zod";
import { EVENT_VERSION, type CanonicalEvent, type RefEvent, type Shipment } from "../../core/events.ts";
import { parseJsonExact } from "../../core/json.ts";
import type { Logger } from "../../core/log.ts";
import { secretMatches } from "../../core/signature.ts";
import { wallClock } from "../../core/zoned.ts";
import {
  parsePayload,
  InvalidPayload,
  type Delivery,
  type PlatformAdapter,
  type PlatformApi,
  type PlatformApiModule,
  type PlatformModule,
} from "../adapter.ts";
import { ShipStationClient } from "./client.ts";
import { shipStationDemo } from "./demo/index.ts";
import { normaliseShipment, SHIPSTATION_ZONE } from "./normalise.ts";
import { SsWebhook } from "./payload.ts";

export const PLATFORM = "shipstation";
/** The query parameter of the target URL we give ShipStation: V1 webhooks carry no signature. */
export const TOKEN_PARAM = "token";
/** The webhook kinds that mean "shipments changed"; the others (orders, fulfilments) are not read yet. */
const SHIPMENT_KINDS = new Set(["SHIP_NOTIFY", "ITEM_SHIP_NOTIFY"]);

const account = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]{0,63}$/,
    "SHIPSTATION_ACCOUNT must be 1–64 lower-case letters, digits, dots or dashes",
  )
  .default("shipstation");

const env = z.object({
  SHIPSTATION_WEBHOOK_TOKEN: z.string().min(16, "SHIPSTATION_WEBHOOK_TOKEN must be at least 16 characters"),
  SHIPSTATION_ACCOUNT: account,
});

const apiEnv = z.object({
  SHIPSTATION_API_KEY: z.string().min(1, "SHIPSTATION_API_KEY is required"),
  SHIPSTATION_API_SECRET: z.string().min(1, "SHIPSTATION_API_SECRET is required"),
  SHIPSTATION_API_URL: z.url("SHIPSTATION_API_URL must be a URL").default("https://ssapi.shipstation.com"),
  SHIPSTATION_ACCOUNT: account,
  /** The account's currency: V1 states label costs as plain numbers. */
  SHIPSTATION_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, "SHIPSTATION_CURRENCY must be an ISO 4217 code")
    .default("USD"),
});

/** A webhook's id: V1 sends none, and its `resource_url` names one batch of shipments. */
function deliveryId(url: string): string {
  return `ss:${createHash("sha256").update(url).digest("base64url").slice(0, 32)}`;
}

function createAdapter(config: z.infer<typeof env>): PlatformAdapter {
  return {
    platform: PLATFORM,
    verify: (delivery: Delivery) =>
      secretMatches(config.SHIPSTATION_WEBHOOK_TOKEN, delivery.query?.(TOKEN_PARAM)),
    handle(delivery) {
      let body: unknown;
      try {
        body = parseJsonExact(delivery.rawBody.toString("utf8"));
      } catch {
        throw new InvalidPayload("ShipStation webhook: body is not JSON");
      }
      const hook = parsePayload(SsWebhook, body, "ShipStation webhook");
      if (!SHIPMENT_KINDS.has(hook.resource_type))
        return { kind: "ignore", reason: hook.resource_type.toLowerCase() };
      const id = deliveryId(hook.resource_url);
      const ref: RefEvent = {
        v: EVENT_VERSION,
        platform: PLATFORM,
        shop: config.SHIPSTATION_ACCOUNT,
        type: "ref",
        eventId: id,
        receivedAt: delivery.receivedAt,
        ref: {
          resource: "shipments",
          id,
          url: hook.resource_url,
          action: hook.resource_type,
          observedAt: delivery.receivedAt,
        },
      };
      return { kind: "publish", events: [ref] };
    },
  };
}

/** One canonical event per shipment state: the same label seen by webhook and catch-up is one message. */
function shipmentEvent(account: string, shipment: Shipment, receivedAt: string): CanonicalEvent {
  return {
    v: EVENT_VERSION,
    platform: PLATFORM,
    shop: account,
    type: "shipment",
    eventId: `shipment:${shipment.shipmentId}:${shipment.voidedAt ? "voided" : "live"}`,
    receivedAt,
    shipment,
  };
}

/** V1 filters take Pacific wall-clock times (`2026-11-30 14:01:02`). */
function pacificQueryTime(at: Date): string {
  const w = wallClock(SHIPSTATION_ZONE, at.getTime());
  const two = (n: number) => String(n).padStart(2, "0");
  return `${w.year}-${two(w.month)}-${two(w.day)} ${two(w.hour)}:${two(w.minute)}:${two(w.second)}`;
}

function createApi(config: z.infer<typeof apiEnv>, shared: { log: Logger }): PlatformApi {
  const client = new ShipStationClient({
    apiUrl: config.SHIPSTATION_API_URL,
    apiKey: config.SHIPSTATION_API_KEY,
    apiSecret: config.SHIPSTATION_API_SECRET,
    log: shared.log,
  });
  const events = async function* (url: string | URL, receivedAt: string) {
    for await (const page of client.shipmentPages(url)) {
      yield page.shipments.map((s) =>
        shipmentEvent(
          config.SHIPSTATION_ACCOUNT,
          normaliseShipment(s, config.SHIPSTATION_CURRENCY),
          receivedAt,
        ),
      );
    }
  };
  return {
    platform: PLATFORM,
    shop: config.SHIPSTATION_ACCOUNT,
    async resolve(ref) {
      // Checked before any request: a body naming another host is refused for good (dead-lettered).
      const url = client.checkUrl(ref.ref.url ?? "");
      const resolved: CanonicalEvent[] = [];
      for await (const page of events(url, ref.receivedAt)) resolved.push(...page);
      return resolved;
    },
    // Labels bought since `since` (V1 lists shipments by creation; a void comes by webhook).
    ordersModifiedSince(since, receivedAt) {
      return events(
        client.shipmentsUrl({
          createDateStart: pacificQueryTime(since),
          pageSize: "500",
          sortBy: "CreateDate",
          sortDir: "ASC",
        }),
        receivedAt,
      );
    },
    reactivateHooks: async () => 0,
  };
}

const api: PlatformApiModule<typeof apiEnv> = {
  env: apiEnv,
  configuredBy: ["SHIPSTATION_API_KEY", "SHIPSTATION_API_SECRET"],
  create: (config, shared) => createApi(config, shared),
};

export const shipstation: PlatformModule<typeof env> = {
  platform: PLATFORM,
  env,
  configuredBy: ["SHIPSTATION_WEBHOOK_TOKEN"],
  redact: {
    fields: ["SHIPSTATION_WEBHOOK_TOKEN", "SHIPSTATION_API_KEY", "SHIPSTATION_API_SECRET"],
    // API calls carry the key and secret as Basic auth; the webhook's token is in its URL, never logged.
    headers: ["authorization"],
  },
  create(config) {
    if (!config) throw new Error("ShipStation needs SHIPSTATION_WEBHOOK_TOKEN (it connects no stores)");
    return createAdapter(config);
  },
  api,
  demoFollower: shipStationDemo,
};
