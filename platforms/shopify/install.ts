import { shopEvent, type CanonicalEvent } from "../../core/events.ts";
import type { Logger } from "../../core/log.ts";
import type { Connection, Connections } from "../connections.ts";
import type { ShopifyCredentials } from "./api.ts";
import { APP_WEBHOOK_PATH } from "./app-webhooks.ts";
import { newCheckpoint } from "./backfill.ts";
import type { ShopifyCheckpoints } from "./checkpoints.ts";
import { AdminClient } from "./client.ts";
import {
  SHOP_QUERY,
  ShopSettings,
  WEBHOOK_CREATE_MUTATION,
  WEBHOOKS_LIST_QUERY,
  WebhookCreated,
  WebhookList,
} from "./graphql.ts";
import type { ShopifyHistory } from "./history.ts";
import { CONSUMED_TOPICS, PLATFORM } from "./index.ts";

/** `orders/create` → `ORDERS_CREATE`, the GraphQL enum of the same topic. */
export const topicEnum = (topic: string) => topic.toUpperCase().replace(/\//g, "_");

export interface InstallDeps {
  connections: Connections;
  checkpoints: ShopifyCheckpoints;
  /** The JetStream path webhooks take: the shop's currency and zone go out as a canonical `shop` event. */
  publish: (events: CanonicalEvent[]) => Promise<unknown>;
  history: ShopifyHistory;
  log: Logger;
  apiUrl?: string | undefined;
  ingestUrl: string;
  connectUrl: string;
  backfillDays: number;
  backfillMode: "bulk" | "paginated";
}

export class SubscribeFailed extends Error {
  readonly topic: string;
  constructor(shop: string, topic: string, reasons: string[]) {
    super(`could not subscribe ${shop} to ${topic}: ${reasons.join("; ")}`);
    this.name = "SubscribeFailed";
    this.topic = topic;
  }
}

/**
 * After Shopify granted a token: keep it sealed in the shop's connection (where the processors'
 * catch-up finds it, as it finds every connected store's keys), learn the shop's currency and time
 * zone, subscribe the webhooks (idempotent: a reinstall finds them), and start — or resume — the history.
 */
export async function installShop(
  granted: { shop: string; accessToken: string },
  deps: InstallDeps,
): Promise<Connection> {
  const { shop } = granted;
  const credentials: ShopifyCredentials = { shop, accessToken: granted.accessToken, apiUrl: deps.apiUrl };
  const client = new AdminClient({ ...credentials, log: deps.log });
  const { shop: settings } = await client.request(SHOP_QUERY, {}, ShopSettings);

  const previous = await deps.connections.get(PLATFORM, shop);
  const now = new Date().toISOString();
  const connection: Connection = {
    platform: PLATFORM,
    shop,
    status: "backfilling",
    name: settings.name,
    currency: settings.currencyCode,
    timezone: settings.ianaTimezone,
    connectedAt: previous?.connectedAt ?? now,
    updatedAt: now,
    credentials: deps.connections.sealCredentials(PLATFORM, shop, credentials),
    webhooks: previous?.webhooks ?? [],
    error: null,
  };
  // Sealed token before hooks, as for every store: the first delivery's shop is one the fetchers know.
  await deps.connections.put(connection);
  try {
    connection.webhooks = await subscribe(client, shop, deps);
  } catch (err) {
    await deps.connections.update(PLATFORM, shop, {
      status: "failed",
      credentials: "",
      error: `subscribing webhooks: ${String(err)}`,
    });
    throw err;
  }
  await deps.connections.update(PLATFORM, shop, { webhooks: connection.webhooks });
  // Processors keep each shop's zone (sales "today" is the store's today); tell them now, not at the first order.
  const info = { currency: settings.currencyCode, timeZone: settings.ianaTimezone, utcOffsetMinutes: null };
  await deps.publish([shopEvent(PLATFORM, shop, info, now)]);

  const checkpoint = await deps.checkpoints.get(shop);
  const unfinished = checkpoint && (checkpoint.phase === "orders" || checkpoint.phase === "inventory");
  if (!unfinished) await deps.checkpoints.save(newCheckpoint(shop, deps.backfillDays, deps.backfillMode));
  deps.history.start(shop);
  deps.log.info(
    {
      shop,
      currency: connection.currency,
      timezone: connection.timezone,
      webhooks: connection.webhooks.length,
      reinstall: previous !== null,
      resumed: Boolean(unfinished),
    },
    "shop connected",
  );
  return connection;
}

/** The consumed topics to ingest and app/uninstalled to connect; the topics the shop is subscribed to. */
async function subscribe(client: AdminClient, shop: string, deps: InstallDeps): Promise<string[]> {
  const wanted = [
    ...CONSUMED_TOPICS.map((topic) => ({
      topic: topicEnum(topic),
      uri: `${deps.ingestUrl.replace(/\/$/, "")}/webhooks/shopify`,
    })),
    { topic: "APP_UNINSTALLED", uri: `${deps.connectUrl.replace(/\/$/, "")}${APP_WEBHOOK_PATH}` },
  ];
  const existing = await client.request(WEBHOOKS_LIST_QUERY, {}, WebhookList);
  const subscribed: string[] = [];
  for (const { topic, uri } of wanted) {
    if (!existing.webhookSubscriptions.nodes.some((s) => s.topic === topic && s.uri === uri)) {
      const { webhookSubscriptionCreate: created } = await client.request(
        WEBHOOK_CREATE_MUTATION,
        { topic, uri },
        WebhookCreated,
      );
      if (!created.webhookSubscription)
        throw new SubscribeFailed(
          shop,
          topic,
          created.userErrors.map((e) => e.message),
        );
    }
    subscribed.push(topic);
  }
  return subscribed;
}
