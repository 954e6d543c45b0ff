import { serve } from "@hono/node-server";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { ingestEnv, loadConfig } from "../core/config.ts";
import { installCrashHandlers } from "../core/crash.ts";
import { createLogger } from "../core/log.ts";
import { connectNats, ensureStreams, ingestReadiness } from "../core/nats.ts";
import { onShutdown } from "../core/shutdown.ts";
import { partitionsEnv } from "../core/partitions.ts";
import { loadAdapters } from "../platforms/load.ts";
import { createApp } from "./app.ts";
import { jetStreamPublisher } from "./publish.ts";
import { runWorkers, workersEnv } from "./workers.ts";

const log = createLogger("ingest");
installCrashHandlers(log);
const config = loadConfig(ingestEnv);
const { INGEST_WORKERS } = loadConfig(workersEnv);
const { PROCESSOR_PARTITIONS } = loadConfig(partitionsEnv);

await runWorkers(INGEST_WORKERS, log, async () => {
  const adapters = loadAdapters(process.env, {
    customerHashKey: config.CUSTOMER_HASH_KEY,
    storeWebhookKey: config.STORE_WEBHOOK_KEY,
  });

  const nc = await connectNats(config.NATS_URL, "metricsdash-ingest", log);
  await ensureStreams(await jetstreamManager(nc), { log });
  const app = createApp({
    adapters,
    publish: jetStreamPublisher(jetstream(nc), config.PUBLISH_TIMEOUT_MS, PROCESSOR_PARTITIONS),
    ready: () => ingestReadiness(nc),
    maxBytes: config.WEBHOOK_MAX_BYTES,
    log,
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
