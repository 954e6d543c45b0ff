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
import { partitionsEnv } from "../core/partitions.ts";
import { jetStreamPublisher } from "../ingest/publish.ts";
import { Connections, CONNECTIONS_BUCKET } from "../platforms/connections.ts";
import { createConnectApp } from "./app.ts";
import { connectFlows } from "./flows.ts";
import { HISTORY_BUCKET, HistoryBackfills, HistoryStore } from "./history.ts";
import { storeApi, type StoresContext } from "./stores.ts";
import { visitorQuota } from "./visitor-quota.ts";
import { SiteBucket } from "../ingest/behaviour/site-bucket.ts";
import { BehaviourSiteSync, followConnectedStores } from "./behaviour-sites.ts";

const log = createLogger("connect");
installCrashHandlers(log);
const config = loadConfig(connectEnv);
const encryptionKey = parseKey(config.TOKEN_ENCRYPTION_KEY);

const nc = await connectNats(config.NATS_URL, "metricsdash-connect", log);
await ensureStreams(await jetstreamManager(nc), { log });
const publish = jetStreamPublisher(
  jetstream(nc),
  config.PUBLISH_TIMEOUT_MS,
  loadConfig(partitionsEnv).PROCESSOR_PARTITIONS,
);
const db = new QuestDb(config.QUESTDB_HTTP_URL);

const kvm = new Kvm(jetstream(nc));
const connections = new Connections(await kvm.create(CONNECTIONS_BUCKET, { history: 5 }), encryptionKey);
const historyStore = new HistoryStore(await kvm.create(HISTORY_BUCKET, { history: 1 }));
const history: HistoryBackfills = new HistoryBackfills({
  store: historyStore,
  // Called only once the service runs, when `ctx` below exists.
  api: (platform, shop) => storeApi(ctx, platform, shop),
  publish,
  finished: async (cp) => {
    await connections.update(cp.platform, cp.shop, { status: "live" });
  },
  log,
});
const ctx: StoresContext = {
  connections,
  historyStore,
  history,
  publish,
  db,
  log,
  ingestUrl: config.INGEST_PUBLIC_URL,
  behaviourUrl: config.BEHAVIOUR_PUBLIC_URL,
  storeWebhookKey: config.STORE_WEBHOOK_KEY,
  customerHashKey: config.CUSTOMER_HASH_KEY,
  statusKey: encryptionKey,
  backfillDays: config.BACKFILL_DAYS,
  dashboardUrl: config.DASHBOARD_URL,
  connectQuota: visitorQuota({
    storesPerDay: config.CONNECT_MAX_STORES_PER_VISITOR,
    trustProxy: config.CONNECT_TRUST_PROXY,
    log,
  }),
};
const flows = await connectFlows(process.env, {
  connectUrl: config.CONNECT_PUBLIC_URL,
  appName: "MetricsDash",
  log,
  bucket: (name, options) => kvm.create(name, options),
  sealKey: encryptionKey,
});

// Every connected store gets a browser SDK site; ingest follows the bucket.
const followingStores = new AbortController();
await followConnectedStores(
  new BehaviourSiteSync(await SiteBucket.open(jetstream(nc))),
  connections,
  log,
  followingStores.signal,
);

const app = createConnectApp({
  stores: { ctx, flows },
  log,
  ready: () => streamsReady(nc),
  edge: {
    publicUrl: config.CONNECT_PUBLIC_URL,
    listenHost: config.CONNECT_HOST,
    port: config.CONNECT_PORT,
    trustProxy: config.CONNECT_TRUST_PROXY,
  },
});

const server = serve({ fetch: app.fetch, hostname: config.CONNECT_HOST, port: config.CONNECT_PORT }, (info) =>
  log.info(
    {
      address: info.address,
      port: info.port,
      publicUrl: config.CONNECT_PUBLIC_URL,
      flows: flows.map((flow) => flow.platform),
    },
    "connect listening",
  ),
);
for (const flow of flows) {
  const resumed = (await flow.start?.()) ?? [];
  if (resumed.length)
    log.info({ platform: flow.platform, shops: resumed }, "histories resumed after restart");
}
const resumedHistories = await history.resumeAll();
if (resumedHistories.length)
  log.info(
    { stores: resumedHistories.map((cp) => `${cp.platform}:${cp.shop}`) },
    "histories resumed after restart",
  );

onShutdown(log, async () => {
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  followingStores.abort();
  await Promise.all([...flows.map((flow) => flow.stop?.()), history.stopAll()]);
  await nc.drain();
});
