import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { loadConfig, processorsEnv } from "../core/config.ts";
import { installCrashHandlers } from "../core/crash.ts";
import { createLogger } from "../core/log.ts";
import { connectNats, ensureStreams } from "../core/nats.ts";
import { QuestDb, walApplied } from "../core/questdb.ts";
import { onShutdown } from "../core/shutdown.ts";
import { startConsumer } from "./consumer.ts";
import { startFetchers } from "./fetchers/index.ts";
import { startInventory } from "./inventory/index.ts";
import { ordersHandler } from "./orders/handler.ts";
import { ORDER_TABLES, ensureTables } from "./orders/schema.ts";
import { prepareSales } from "./sales/index.ts";

const log = createLogger("processors");
installCrashHandlers(log);
const config = loadConfig(processorsEnv);

const db = new QuestDb(config.QUESTDB_HTTP_URL);
await ensureTables(db, ORDER_TABLES);
// The stale-update guard reads stored versions: let QuestDB apply what a previous run committed first.
if (!(await walApplied(db, ["orders"])))
  log.warn("QuestDB still applying earlier writes; stale-update checks may miss them");
const sales = await prepareSales({ db, log, config });
log.info({ questdb: db.url.origin }, "tables ready");

const nc = await connectNats(config.NATS_URL, "metricsdash-processors", log);
const jsm = await jetstreamManager(nc);
await ensureStreams(jsm);
const js = jetstream(nc);

const consumers = [
  await startConsumer({
    name: "orders",
    js,
    jsm,
    sender: await db.sender(),
    handle: ordersHandler(db, log),
    log,
    batchMaxMessages: config.BATCH_MAX_MESSAGES,
    batchMaxBytes: config.BATCH_MAX_BYTES,
    batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
    maxDeliveries: config.MAX_DELIVERIES,
    ackWaitMs: config.ACK_WAIT_MS,
  }),
  await sales.start({ js, jsm }),
  await startInventory({ db, js, jsm, log, config }),
];

// Platform APIs off the webhook path: BigCommerce's thin webhooks, WooCommerce refunds, catch-up.
const fetchers = await startFetchers({
  js,
  jsm,
  sender: await db.sender(),
  config,
  env: process.env,
  log,
});

onShutdown(log, async () => {
  await fetchers.stop();
  await Promise.all(consumers.map((c) => c.stop()));
  await nc.drain();
});
