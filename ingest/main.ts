import { serve } from "@hono/node-server";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { ingestEnv, loadConfig } from "../core/config.ts";
import { installCrashHandlers } from "../core/crash.ts";
import { createLogger } from "../core/log.ts";
import { connectNats, ensureStreams, streamsReady } from "../core/nats.ts";
import { QuestDb } from "../core/questdb.ts";
import { onShutdown } from "../core/shutdown.ts";
import { loadAdapters } from "../platforms/load.ts";
import { createApp } from "./app.ts";
import { behaviourEnv } from "./behaviour/config.ts";
import { interactionPublisher } from "./behaviour/publish.ts";
import { jetStreamPublisher } from "./publish.ts";
import { runWorkers, workersEnv } from "./workers.ts";

const log = createLogger("ingest");
installCrashHandlers(log);
const config = loadConfig(ingestEnv);
const behaviourConfig = loadConfig(behaviourEnv);
const { INGEST_WORKERS } = loadConfig(workersEnv);

await runWorkers(INGEST_WORKERS, log, async () => {
  const adapters = loadAdapters(process.env, {
    customerHashKey: config.CUSTOMER_HASH_KEY,
    storeWebhookKey: config.STORE_WEBHOOK_KEY,
  });

  const nc = await connectNats(config.NATS_URL, "metricsdash-ingest", log);
  await ensureStreams(await jetstreamManager(nc));

  const app = createApp({
    adapters,
    publish: jetStreamPublisher(jetstream(nc), config.PUBLISH_TIMEOUT_MS),
    ready: () => streamsReady(nc),
    maxBytes: config.WEBHOOK_MAX_BYTES,
    log,
    behaviour: {
      config: behaviourConfig,
      publish: interactionPublisher(jetstream(nc), config.PUBLISH_TIMEOUT_MS),
      db: new QuestDb(config.QUESTDB_HTTP_URL),
      log,
    },
  });

  const server = serve({ fetch: app.fetch, hostname: config.INGEST_HOST, port: config.INGEST_PORT }, (info) =>
    log.info(
      { address: info.address, port: info.port, platforms: adapters.map((a) => a.platform) },
      "ingest listening",
    ),
  );

  onShutdown(log, async () => {
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    await nc.drain();
  });
});
