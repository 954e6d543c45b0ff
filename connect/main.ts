import { serve } from "@hono/node-server";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connectEnv, loadConfig } from "../core/config.ts";
import { installCrashHandlers } from "../core/crash.ts";
import { createLogger } from "../core/log.ts";
import { connectNats, ensureStreams, streamsReady } from "../core/nats.ts";
import { QuestDb } from "../core/questdb.ts";
import { parseKey } from "../core/seal.ts";
import { onShutdown } from "../core/shutdown.ts";
import { jetStreamPublisher } from "../ingest/publish.ts";
import { Connections, CONNECTIONS_BUCKET } from "../platforms/connections.ts";
import { createOAuth } from "../platforms/shopify/oauth.ts";
import { createConnectApp, type ShopifyConnectOptions } from "./app.ts";
import { ShopifyHistory } from "./shopify-history.ts";
import { bigCommerceFlow } from "./bigcommerce.ts";
import type { ConnectFlow } from "./flow.ts";
import { HISTORY_BUCKET, HistoryBackfills, HistoryStore } from "./history.ts";
import { ConnectStore } from "./shopify-shops.ts";
import { storeApi, type StoresContext } from "./stores.ts";
import { woocommerceFlow } from "./woocommerce.ts";

const log = createLogger("connect");
installCrashHandlers(log);
const config = loadConfig(connectEnv);
const encryptionKey = parseKey(config.TOKEN_ENCRYPTION_KEY);

const nc = await connectNats(config.NATS_URL, "metricsdash-connect", log);
await ensureStreams(await jetstreamManager(nc));
const publish = jetStreamPublisher(jetstream(nc), config.PUBLISH_TIMEOUT_MS);
const db = new QuestDb(config.QUESTDB_HTTP_URL);

let shopify: ShopifyConnectOptions | undefined;
let backfills: ShopifyHistory | undefined;
if (config.SHOPIFY_API_KEY && config.SHOPIFY_API_SECRET) {
  const store = await ConnectStore.open(nc, encryptionKey);
  backfills = new ShopifyHistory(store, publish, log, {
    apiUrl: config.SHOPIFY_API_URL,
    pageSize: config.BACKFILL_PAGE_SIZE,
    pollMs: config.BACKFILL_POLL_MS,
    customerHashKey: config.CUSTOMER_HASH_KEY,
  });
  shopify = {
    oauth: createOAuth({
      apiKey: config.SHOPIFY_API_KEY,
      apiSecret: config.SHOPIFY_API_SECRET,
      appUrl: config.CONNECT_PUBLIC_URL,
      apiUrl: config.SHOPIFY_API_URL,
      log,
    }),
    store,
    backfills,
    install: {
      publish,
      apiUrl: config.SHOPIFY_API_URL,
      ingestUrl: config.INGEST_PUBLIC_URL,
      connectUrl: config.CONNECT_PUBLIC_URL,
      backfillDays: config.BACKFILL_DAYS,
      backfillMode: config.BACKFILL_MODE,
    },
    apiSecret: config.SHOPIFY_API_SECRET,
    customerHashKey: config.CUSTOMER_HASH_KEY,
    dashboardUrl: config.DASHBOARD_URL,
  };
}

let stores: { ctx: StoresContext; flows: ConnectFlow[] } | undefined;
let history: HistoryBackfills | undefined;
if (config.STORE_WEBHOOK_KEY) {
  const kvm = new Kvm(jetstream(nc));
  const connections = new Connections(await kvm.create(CONNECTIONS_BUCKET, { history: 5 }), encryptionKey);
  const historyStore = new HistoryStore(await kvm.create(HISTORY_BUCKET, { history: 1 }));
  const connectedHistory: HistoryBackfills = new HistoryBackfills({
    store: historyStore,
    // Called only once the service runs, when `ctx` below exists.
    api: (platform, shop) => storeApi(ctx, platform, shop),
    publish,
    finished: async (cp) => {
      await connections.update(cp.platform, cp.shop, { status: "live" });
    },
    log,
  });
  history = connectedHistory;
  const ctx: StoresContext = {
    connections,
    historyStore,
    history: connectedHistory,
    publish,
    db,
    log,
    ingestUrl: config.INGEST_PUBLIC_URL,
    storeWebhookKey: config.STORE_WEBHOOK_KEY,
    customerHashKey: config.CUSTOMER_HASH_KEY,
    statusKey: encryptionKey,
    backfillDays: config.BACKFILL_DAYS,
    dashboardUrl: config.DASHBOARD_URL,
  };
  const flows: ConnectFlow[] = [
    woocommerceFlow({ connectUrl: config.CONNECT_PUBLIC_URL, appName: "MetricsDash" }),
    bigCommerceFlow(config),
  ];
  stores = { ctx, flows };
}

const app = createConnectApp({ shopify, stores, db, log, ready: () => streamsReady(nc) });

const server = serve({ fetch: app.fetch, hostname: config.CONNECT_HOST, port: config.CONNECT_PORT }, (info) =>
  log.info(
    {
      address: info.address,
      port: info.port,
      publicUrl: config.CONNECT_PUBLIC_URL,
      shopify: Boolean(shopify),
      flows: stores?.flows.map((flow) => flow.platform) ?? [],
    },
    "connect listening",
  ),
);
const resumed = (await backfills?.resumeAll()) ?? [];
if (resumed.length) log.info({ shops: resumed }, "backfills resumed after restart");
const resumedHistories = (await history?.resumeAll()) ?? [];
if (resumedHistories.length)
  log.info(
    { stores: resumedHistories.map((cp) => `${cp.platform}:${cp.shop}`) },
    "histories resumed after restart",
  );

onShutdown(log, async () => {
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  await Promise.all([backfills?.stopAll(), history?.stopAll()]);
  await nc.drain();
});
