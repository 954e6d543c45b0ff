import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { loadConfig, processorsEnv } from "../core/config.ts";
import { installCrashHandlers } from "../core/crash.ts";
import { createLogger } from "../core/log.ts";
import { connectNats, ensureStreams } from "../core/nats.ts";
import { QuestDb, walApplied } from "../core/questdb.ts";
import { onShutdown } from "../core/shutdown.ts";
import { startBehaviour } from "./behaviour/index.ts";
import { startConsumer } from "./consumer.ts";
import { startFetchers } from "./fetchers/index.ts";
import { startInventory } from "./inventory/index.ts";
import { ordersHandler } from "./orders/handler.ts";
import { ORDER_TABLES, ensureTables } from "./orders/schema.ts";
import { startRetention } from "./retention/index.ts";
import { prepareSales } from "./sales/index.ts";
import { shipmentsHandler } from "./shipments/handler.ts";
import { SHIPMENT_TABLES } from "./shipments/schema.ts";
import { paymentsHandler } from "./payments/handler.ts";
import { PAYMENT_TABLES, PAYMENT_TABLE_NAMES } from "./payments/schema.ts";

const log = createLogger("processors");
installCrashHandlers(log);
const config = loadConfig(processorsEnv);

const db = new QuestDb(config.QUESTDB_HTTP_URL);
await ensureTables(db, ORDER_TABLES);
await ensureTables(db, SHIPMENT_TABLES);
await ensureTables(db, PAYMENT_TABLES);
// The stale-update guard reads stored versions: let QuestDB apply what a previous run committed first.
if (!(await walApplied(db, ["orders", ...PAYMENT_TABLE_NAMES])))
  log.warn("QuestDB still applying earlier writes; stale-update checks may miss them");
const sales = await prepareSales({ db, log, config });
const retention = await startRetention({ db, log });
log.info({ questdb: db.url.origin }, "tables ready");

const nc = await connectNats(config.NATS_URL, "metricsdash-processors", log);
const jsm = await jetstreamManager(nc);
await ensureStreams(jsm);
const js = jetstream(nc);

// Platform APIs off the webhook path: BigCommerce's thin webhooks, WooCommerce refunds, catch-up.
const fetchers = await startFetchers({
  js,
  jsm,
  sender: await db.sender(),
  config,
  env: process.env,
  log,
  db,
});

// Start-up requests to the broker before consumers, and orders (the busiest consumer in a backlog)
// last: a consumer draining a backlog can keep the event loop busy long enough for a later start-up
// request to miss its 5 s timeout (the backlog benchmark saw processors exit with a TimeoutError
// while starting the fetchers after the consumers).
const consumers = [
  await sales.start({ js, jsm }),
  await startInventory({ db, js, jsm, log, config }),
  await startBehaviour({ db, js, jsm, log, config }),
  await startConsumer({
    name: "payments",
    js,
    jsm,
    sender: await db.sender(),
    handle: paymentsHandler(db, log),
    log,
    batchMaxMessages: config.BATCH_MAX_MESSAGES,
    batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
    maxDeliveries: config.MAX_DELIVERIES,
    ackWaitMs: config.ACK_WAIT_MS,
    filterSubject: "evt.*.*.payment",
  }),
  await startConsumer({
    name: "shipments",
    js,
    jsm,
    sender: await db.sender(),
    handle: shipmentsHandler(db, log),
    log,
    batchMaxMessages: config.BATCH_MAX_MESSAGES,
    batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
    maxDeliveries: config.MAX_DELIVERIES,
    ackWaitMs: config.ACK_WAIT_MS,
    filterSubject: "evt.*.*.shipment",
  }),
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
];

onShutdown(log, async () => {
  await fetchers.stop();
  await retention.stop();
  await Promise.all(consumers.map((c) => c.stop()));
  await nc.drain();
});
