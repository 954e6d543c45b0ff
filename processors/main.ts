import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { loadConfig, processorsEnv } from "../core/config.ts";
import { installCrashHandlers } from "../core/crash.ts";
import { createLogger } from "../core/log.ts";
import { connectNats, ensureStreams } from "../core/nats.ts";
import { QuestDb, walApplied } from "../core/questdb.ts";
import { onShutdown } from "../core/shutdown.ts";
import { untilAnswered } from "../core/start-up.ts";
import { partitionConsumerName, replicaEnv, replicaPartition, shopPartition } from "../core/partitions.ts";
import { startBehaviour } from "./behaviour/index.ts";
import { startConsumer } from "./consumer.ts";
import { SharedDecode } from "./shared-decode.ts";
import { startUnpartitionedMover } from "./unpartitioned.ts";
import { startFetchers } from "./fetchers/index.ts";
import { startInventory } from "./inventory/index.ts";
import { startLiveTiles } from "./live/index.ts";
import { startLagRecorder } from "./lag/index.ts";
import { ordersHandler } from "./orders/handler.ts";
import { ORDER_TABLES, ensureTables } from "./orders/schema.ts";
import { ReceiptLog, withWebhookReceipts } from "./receipts/receipts.ts";
import { WEBHOOK_RECEIPTS_TABLE } from "./receipts/schema.ts";
import { startRetention } from "./retention/index.ts";
import { startStreamTrim } from "./stream-trim/index.ts";
import { prepareSales } from "./sales/index.ts";
import { shipmentsHandler } from "./shipments/handler.ts";
import { LabelMatcher, startLabelRetries } from "./shipments/label-matcher.ts";
import { SHIPMENT_TABLES } from "./shipments/schema.ts";
import { trackingHandler } from "./shipments/tracking-handler.ts";
import { TRACKING_TABLES } from "./shipments/tracking-schema.ts";
import { paymentsHandler } from "./payments/handler.ts";
import { PAYMENT_TABLES, PAYMENT_TABLE_NAMES } from "./payments/schema.ts";

const log = createLogger("processors");
/** Events decoded and not yet taken by all three readers, at most (inventory runs ahead in a drain). */
const SHARED_DECODE_MAX = 2_000;
installCrashHandlers(log);
const config = loadConfig(processorsEnv);
// This replica's shops (PROCESSOR_PARTITION of PROCESSOR_PARTITIONS): one writer per shop by construction.
const partition = replicaPartition(loadConfig(replicaEnv));

const db = new QuestDb(config.QUESTDB_HTTP_URL);
// Every start-up request below is waited out when it times out (a replica restarted into a backlog
// on a loaded machine): untilAnswered retries it with back-off and logs what it waits for. A start
// function is wrapped whole only where nothing of it runs before its last request that can time out.
await untilAnswered(
  "QuestDB: order, shipment, payment and receipt tables",
  async () => {
    for (const tables of [
      ORDER_TABLES,
      SHIPMENT_TABLES,
      TRACKING_TABLES,
      PAYMENT_TABLES,
      [WEBHOOK_RECEIPTS_TABLE],
    ])
      await ensureTables(db, tables);
  },
  { log },
);
// The stale-update guard reads stored versions: let QuestDB apply what a previous run committed first.
const applied = await untilAnswered(
  "QuestDB: earlier writes applied",
  () => walApplied(db, ["orders", "shipments", "label_orders", "tracking_events", ...PAYMENT_TABLE_NAMES]),
  { log },
);
if (!applied) log.warn("QuestDB still applying earlier writes; stale-update checks may miss them");
const live = startLiveTiles({ db, log });
const sales = await prepareSales({
  db,
  log,
  config,
  onWindows: live?.changed,
  owns: (platform, shop) => shopPartition(platform, shop, partition.count) === partition.index,
});
const retention = await untilAnswered(
  "QuestDB: history TTLs and rollup views",
  () => startRetention({ db, log, convert: partition.index === 0 }),
  { log },
);
log.info({ questdb: db.url.origin }, "tables ready");

const nc = await connectNats(config.NATS_URL, "metricsdash-processors", log);
const jsm = await untilAnswered("NATS: the JetStream API", () => jetstreamManager(nc), { log });
await untilAnswered("NATS: the streams", () => ensureStreams(jsm, { log }), { log });
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
  partition,
});

// Start-up requests to the broker before consumers, and orders (the busiest consumer in a backlog)
// last: a consumer draining a backlog can keep the event loop busy long enough for a later start-up
// request to miss its 5 s timeout (the backlog benchmark saw processors exit with a TimeoutError
// while starting the fetchers after the consumers).
// Labels whose order had not arrived before a restart are looked for again, then on a timer.
const labels = new LabelMatcher(db);
const resumed = await untilAnswered(
  "QuestDB: labels not yet matched with orders",
  async () => {
    const sender = await db.sender();
    try {
      return await labels.resume(sender, partition);
    } finally {
      await sender.close();
    }
  },
  { log },
);
log.info(resumed, "labels of the last two days matched with their orders at start-up");
const labelRetries = startLabelRetries({ matcher: labels, sender: await db.sender(), log });
// Data health's "last webhook received": noted by the orders consumer, written on a timer.
const receipts = new ReceiptLog({ sender: await db.sender(), log, everyMs: ReceiptLog.EVERY_MS });
// Orders, sales and inventory each read every event of the partition: one decode serves all three.
const shared = new SharedDecode(3, SHARED_DECODE_MAX);
const consumers = [
  await sales.start({ js, jsm, partition, shared }),
  await untilAnswered(
    "inventory tables and consumer",
    () => startInventory({ db, js, jsm, log, config, partition, shared }),
    {
      log,
    },
  ),
  ...(await untilAnswered(
    "behaviour tables, views and consumers",
    () => startBehaviour({ db, js, jsm, log, config, partition }),
    { log },
  )),
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
    partition,
  }),
  await startConsumer({
    name: "shipments",
    js,
    jsm,
    sender: await db.sender(),
    handle: shipmentsHandler(db, log, labels),
    log,
    batchMaxMessages: config.BATCH_MAX_MESSAGES,
    batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
    maxDeliveries: config.MAX_DELIVERIES,
    ackWaitMs: config.ACK_WAIT_MS,
    filterSubject: "evt.*.*.shipment",
    partition,
  }),
  await startConsumer({
    name: "tracking",
    js,
    jsm,
    sender: await db.sender(),
    handle: trackingHandler(db, log),
    log,
    batchMaxMessages: config.BATCH_MAX_MESSAGES,
    batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
    maxDeliveries: config.MAX_DELIVERIES,
    ackWaitMs: config.ACK_WAIT_MS,
    filterSubject: "evt.*.*.tracking",
    partition,
  }),
  await startConsumer({
    name: "orders",
    js,
    jsm,
    sender: await db.sender(),
    // The orders consumer reads every subject of its shops: it also keeps their last webhook's time.
    handle: withWebhookReceipts(ordersHandler(db, log), receipts),
    log,
    batchMaxMessages: config.BATCH_MAX_MESSAGES,
    batchMaxBytes: config.BATCH_MAX_BYTES,
    batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
    maxDeliveries: config.MAX_DELIVERIES,
    ackWaitMs: config.ACK_WAIT_MS,
    partition,
    shared,
  }),
  await startUnpartitionedMover({ js, jsm, log, config, partition, sender: await db.sender() }),
].filter((consumer) => consumer !== undefined);
// Data health's "consumer lag": every durable's num_pending, sampled on a timer; by one replica, as it
// sees every partition's durables.
const lag =
  partition.index === 0
    ? await untilAnswered("QuestDB: consumer_lag table", () => startLagRecorder({ db, jsm, log }), { log })
    : undefined;
// Room in the bounded EVENTS stream, by one replica: nothing goes before every partition's order and
// stock consumers exist and have acknowledged it.
const trim =
  partition.index === 0
    ? startStreamTrim({
        jsm,
        log,
        required: Array.from({ length: partition.count }, (_, index) =>
          ["orders", "inventory"].map((name) =>
            partitionConsumerName(name, { index, count: partition.count }),
          ),
        ).flat(),
      })
    : undefined;

onShutdown(log, async () => {
  await lag?.stop();
  await trim?.stop();
  await fetchers.stop();
  await retention.stop();
  await Promise.all(consumers.map((c) => c.stop()));
  // After the consumers: their last batches' receipts go out too.
  await receipts.stop();
  await labelRetries.stop();
  log.info(shared.stats(), "decodes shared by the orders, sales and inventory consumers");
  await live?.stop();
  await nc.drain();
});
