import { serve } from "@hono/node-server";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { loadConfig } from "../../core/config.ts";
import { installCrashHandlers } from "../../core/crash.ts";
import { createLogger } from "../../core/log.ts";
import { behaviourReadiness, connectNats, ensureStreams } from "../../core/nats.ts";
import { partitionsEnv } from "../../core/partitions.ts";
import { QuestDb } from "../../core/questdb.ts";
import { onShutdown } from "../../core/shutdown.ts";
import { behaviourApp } from "./app.ts";
import { behaviourEnv, behaviourServerEnv } from "./config.ts";
import { lowerPriority } from "./nice.ts";
import { interactionPublisher } from "./publish.ts";
import { SiteBucket } from "./site-bucket.ts";
import { BehaviourSites } from "./sites.ts";

/**
 * The browser SDK's process: `/sdk.js`, `/collect`, `/heatmap`. Apart from the webhook ingest, and
 * at a lower scheduling priority (BEHAVIOUR_NICE), so that a beacon flood cannot starve webhooks of
 * CPU: beacons go to the BEHAVIOUR stream, orders to EVENTS, and now each has its own process too.
 */
const log = createLogger("behaviour");
installCrashHandlers(log);
const server = loadConfig(behaviourServerEnv);
const config = loadConfig(behaviourEnv);
const { PROCESSOR_PARTITIONS } = loadConfig(partitionsEnv);
lowerPriority(server.BEHAVIOUR_NICE, log);

const nc = await connectNats(server.NATS_URL, "metricsdash-behaviour", log);
await ensureStreams(await jetstreamManager(nc), { log });
// Connected stores' sites arrive while it runs; their beacons are accepted once loaded here.
const sites = new BehaviourSites(config.BEHAVIOUR_SITES, config.BEHAVIOUR_CONNECTED_SITES_MAX);
const following = new AbortController();
await sites.follow(await SiteBucket.open(jetstream(nc)), log, following.signal);

const app = behaviourApp({
  config,
  publish: interactionPublisher(jetstream(nc), server.PUBLISH_TIMEOUT_MS, PROCESSOR_PARTITIONS),
  db: new QuestDb(server.QUESTDB_HTTP_URL),
  log,
  sites,
  ready: () => behaviourReadiness(nc),
});

const listening = serve(
  { fetch: app.fetch, hostname: server.BEHAVIOUR_HOST, port: server.BEHAVIOUR_PORT },
  (info) => log.info({ address: info.address, port: info.port }, "behaviour listening"),
);

onShutdown(log, async () => {
  await new Promise<void>((resolve, reject) => listening.close((err) => (err ? reject(err) : resolve())));
  following.abort();
  await nc.drain();
});
