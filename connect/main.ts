import { serve } from "@hono/node-server";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connectEnv, loadConfig } from "../core/config.ts";
import { createLogger } from "../core/log.ts";
import { connectNats, ensureStreams, streamsReady } from "../core/nats.ts";
import { QuestDb } from "../core/questdb.ts";
import { onShutdown } from "../core/shutdown.ts";
import { jetStreamPublisher } from "../ingest/publish.ts";
import { createOAuth } from "../platforms/shopify/oauth.ts";
import { createConnectApp } from "./app.ts";
import { Backfills } from "./backfills.ts";
import { parseKey } from "../core/seal.ts";
import { ConnectStore } from "./store.ts";

const log = createLogger("connect");
const config = loadConfig(connectEnv);

const nc = await connectNats(config.NATS_URL, "metricsdash-connect", log);
await ensureStreams(await jetstreamManager(nc));
const store = await ConnectStore.open(nc, parseKey(config.TOKEN_ENCRYPTION_KEY));
const publish = jetStreamPublisher(jetstream(nc), config.PUBLISH_TIMEOUT_MS);
const backfills = new Backfills(store, publish, log, {
  apiUrl: config.SHOPIFY_API_URL,
  pageSize: config.BACKFILL_PAGE_SIZE,
  pollMs: config.BACKFILL_POLL_MS,
  customerHashKey: config.CUSTOMER_HASH_KEY,
});

const app = createConnectApp({
  oauth: createOAuth({
    apiKey: config.SHOPIFY_API_KEY,
    apiSecret: config.SHOPIFY_API_SECRET,
    appUrl: config.CONNECT_PUBLIC_URL,
    apiUrl: config.SHOPIFY_API_URL,
    log,
  }),
  store,
  backfills,
  db: new QuestDb(config.QUESTDB_HTTP_URL),
  log,
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
  ready: () => streamsReady(nc),
});

const server = serve({ fetch: app.fetch, hostname: config.CONNECT_HOST, port: config.CONNECT_PORT }, (info) =>
  log.info(
    { address: info.address, port: info.port, publicUrl: config.CONNECT_PUBLIC_URL },
    "connect listening",
  ),
);
const resumed = await backfills.resumeAll();
if (resumed.length) log.info({ shops: resumed }, "backfills resumed after restart");

onShutdown(log, async () => {
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  await backfills.stopAll();
  await nc.drain();
});
