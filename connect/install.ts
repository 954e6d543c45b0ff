import { shopEvent, type CanonicalEvent } from "../core/events.ts";
import type { Logger } from "../core/log.ts";
import { newCheckpoint } from "../platforms/shopify/backfill.ts";
import { AdminClient } from "../platforms/shopify/client.ts";
import {
  SHOP_QUERY,
  ShopSettings,
  WEBHOOK_CREATE_MUTATION,
  WEBHOOKS_LIST_QUERY,
  WebhookCreated,
  WebhookList,
} from "../platforms/shopify/graphql.ts";
import { CONSUMED_TOPICS, PLATFORM } from "../platforms/shopify/index.ts";
import type { ShopifyHistory } from "./shopify-history.ts";
import type { ConnectStore, ShopRecord } from "./shopify-shops.ts";

export const APP_WEBHOOK_PATH = "/webhooks/shopify/app";

/** `orders/create` → `ORDERS_CREATE`, the GraphQL enum of the same topic. */
export const topicEnum = (topic: string) => topic.toUpperCase().replace(/\//g, "_");

export interface InstallDeps {
  store: ConnectStore;
  /** The JetStream path webhooks take: the shop's currency and zone go out as a canonical `shop` event. */
  publish: (events: CanonicalEvent[]) => Promise<unknown>;
  backfills: ShopifyHistory;
  log: Logger;
  apiUrl?: string | undefined;
  ingestUrl: string;
  connectUrl: string;
  backfillDays: number;
  backfillMode: "bulk" | "paginated";
}

/**
 * After Shopify granted a token: keep it sealed, learn the shop's currency and time zone, subscribe
 * the webhooks (idempotent: a reinstall finds them), and start — or resume — the backfill.
 */
export async function installShop(
  granted: { shop: string; accessToken: string; scope: string },
  deps: InstallDeps,
): Promise<ShopRecord> {
  const { shop } = granted;
  await deps.store.putToken(shop, granted.accessToken);
  const client = new AdminClient({
    shop,
    accessToken: granted.accessToken,
    apiUrl: deps.apiUrl,
    log: deps.log,
  });

  const { shop: settings } = await client.request(SHOP_QUERY, {}, ShopSettings);

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
    if (existing.webhookSubscriptions.nodes.some((s) => s.topic === topic && s.uri === uri)) {
      subscribed.push(topic);
      continue;
    }
    const { webhookSubscriptionCreate: created } = await client.request(
      WEBHOOK_CREATE_MUTATION,
      { topic, uri },
      WebhookCreated,
    );
    if (!created.webhookSubscription) {
      throw new Error(
        `could not subscribe ${shop} to ${topic}: ${created.userErrors.map((e) => e.message).join("; ")}`,
      );
    }
    subscribed.push(topic);
  }

  const previous = await deps.store.shop(shop);
  const record: ShopRecord = {
    shop,
    platform: "shopify",
    name: settings.name,
    currency: settings.currencyCode,
    timezone: settings.ianaTimezone,
    scope: granted.scope,
    status: "backfilling",
    installedAt: new Date().toISOString(),
    uninstalledAt: null,
    webhooks: subscribed,
  };
  await deps.store.putShop(record);
  // Processors keep each shop's zone (sales "today" is the store's today); tell them now, not at the first order.
  const now = new Date().toISOString();
  const info = { currency: settings.currencyCode, timeZone: settings.ianaTimezone, utcOffsetMinutes: null };
  await deps.publish([shopEvent(PLATFORM, shop, info, now)]);

  const checkpoint = await deps.store.checkpoint(shop);
  const unfinished = checkpoint && (checkpoint.phase === "orders" || checkpoint.phase === "inventory");
  if (!unfinished) await deps.store.saveCheckpoint(newCheckpoint(shop, deps.backfillDays, deps.backfillMode));
  deps.backfills.start(shop);
  deps.log.info(
    {
      shop,
      currency: record.currency,
      timezone: record.timezone,
      webhooks: subscribed.length,
      reinstall: previous !== null,
      resumed: Boolean(unfinished),
    },
    "shop connected",
  );
  return record;
}
