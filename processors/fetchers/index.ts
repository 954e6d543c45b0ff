import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { Sender } from "@questdb/nodejs-client";
import { ConfigError, loadConfig, type ProcessorsConfig } from "../../core/config.ts";
import type { Logger } from "../../core/log.ts";
import { jetStreamPublisher } from "../../ingest/publish.ts";
import type { PlatformApi, PlatformModule } from "../../platforms/adapter.ts";
import { platforms } from "../../platforms/index.ts";
import { startConsumer, type RunningConsumer } from "../consumer.ts";
import { startCatchUpLoop } from "./catchup.ts";
import { RefundTimes } from "./refund-times.ts";
import { refsHandler } from "./refs.ts";
import { ApiRegistry } from "./registry.ts";
import { Connections, CONNECTIONS_BUCKET } from "../../platforms/connections.ts";
import { parseKey } from "../../core/seal.ts";
import type { QuestDb } from "../../core/questdb.ts";
import { shopPartition, WHOLE, type Partition } from "../../core/partitions.ts";
import { untilAnswered } from "../../core/start-up.ts";
import { ensureTables } from "../orders/schema.ts";
import { CATCHUP_RUNS_OUTCOME, CATCHUP_RUNS_TABLE, recordCatchUp, type CatchUpRun } from "./runs.ts";
import { RECONCILIATION_TABLE, reconcileEnv, startReconcileLoop } from "../reconcile/index.ts";

const DAY = 24 * 60 * 60 * 1000;

/** The platform APIs whose variables are set (a platform with some but not all of them is an error). */
export function loadApis(
  env: Record<string, string | undefined>,
  shared: { customerHashKey: string | undefined; log: Logger },
  modules: PlatformModule[] = platforms,
): PlatformApi[] {
  const configured = modules.filter((module) =>
    module.api?.configuredBy.some((name) => env[name] !== undefined && env[name] !== ""),
  );
  if (configured.length && !shared.customerHashKey) {
    throw new ConfigError([
      "CUSTOMER_HASH_KEY: required when a platform API is configured (orders are fetched)",
    ]);
  }
  return configured.map((module) =>
    module.api!.create(loadConfig(module.api!.env, env), {
      customerHashKey: shared.customerHashKey as string,
      log: shared.log,
    }),
  );
}

/**
 * Everything that talks to platform APIs, off the webhook path: the `fetchers` consumer resolving
 * refs (BigCommerce's thin webhooks, WooCommerce refunds) and the periodic catch-up per shop.
 */
export async function startFetchers(options: {
  js: JetStreamClient;
  jsm: JetStreamManager;
  sender: Sender;
  config: ProcessorsConfig;
  env: Record<string, string | undefined>;
  log: Logger;
  /** Where our figures are read from for the reconciliation (none: no reconciliation). */
  db?: QuestDb;
  /** This replica's shops: it resolves their refs, catches them up and reconciles them, and no others. */
  partition?: Partition;
}): Promise<{ stop(): Promise<void> }> {
  const { js, jsm, config, log } = options;
  const partition = options.partition ?? WHOLE;
  const reconcileConfig = loadConfig(reconcileEnv, options.env);
  const apis = loadApis(options.env, { customerHashKey: config.CUSTOMER_HASH_KEY, log });
  const kvm = new Kvm(js);
  // Start-up requests that time out on a loaded broker are waited out (core/start-up.ts).
  const bucket = (name: string, opts: Parameters<Kvm["create"]>[1]) =>
    untilAnswered(`NATS: KV bucket ${name}`, () => kvm.create(name, opts), { log });
  const refundTimes = new RefundTimes(await bucket("refund_first_seen", { history: 1, ttl: 120 * DAY }));
  const watermarks = await bucket("catchup_watermarks", { history: 1 });
  const publish = jetStreamPublisher(js, 10_000, partition.count);
  const registry = new ApiRegistry(apis);
  const following = new AbortController();
  if (config.TOKEN_ENCRYPTION_KEY && config.CUSTOMER_HASH_KEY) {
    const connections = new Connections(
      await bucket(CONNECTIONS_BUCKET, { history: 5 }),
      parseKey(config.TOKEN_ENCRYPTION_KEY),
    );
    const shared = { customerHashKey: config.CUSTOMER_HASH_KEY, log };
    // Listing and watching the bucket are start-up requests too; a repeat only re-applies entries.
    await untilAnswered(
      `NATS: KV bucket ${CONNECTIONS_BUCKET} (connected stores)`,
      () => registry.follow(connections, shared, following.signal),
      { log },
    );
  } else {
    log.info(
      "TOKEN_ENCRYPTION_KEY or CUSTOMER_HASH_KEY not set: stores connected through the connect service are not fetched from",
    );
  }

  const consumer: RunningConsumer = await startConsumer({
    name: "fetchers",
    js,
    jsm,
    sender: options.sender,
    handle: refsHandler({
      apis: registry,
      refundTimes,
      publish,
      log,
    }),
    log,
    batchMaxMessages: config.FETCH_BATCH_MAX,
    batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
    maxDeliveries: config.MAX_DELIVERIES,
    // A batch of refs waits on platform rate limits; give it longer than a QuestDB write needs.
    ackWaitMs: Math.max(config.ACK_WAIT_MS, 60_000),
    filterSubject: "evt.*.*.ref",
    partition,
  });
  const db = options.db;
  if (db)
    await untilAnswered(
      "QuestDB: catch-up and reconciliation tables",
      () => ensureTables(db, [CATCHUP_RUNS_TABLE, CATCHUP_RUNS_OUTCOME, RECONCILIATION_TABLE]),
      { log },
    );
  const ours = () =>
    registry
      .all()
      .filter((api) => shopPartition(api.platform, api.shop, partition.count) === partition.index);
  const loop = startCatchUpLoop(ours, {
    ...(db ? { record: (run: CatchUpRun) => recordCatchUp(db, run) } : {}),
    watermarks,
    publish,
    log,
    lookbackMs: config.CATCHUP_LOOKBACK_MS,
    intervalMs: config.CATCHUP_INTERVAL_MS,
    budget: { timeMs: config.CATCHUP_STORE_BUDGET_MS, pages: config.CATCHUP_STORE_MAX_PAGES },
    concurrency: config.CATCHUP_CONCURRENCY,
    keysRefused: (api, err) => registry.keysRefused(api, err, log),
  });
  let reconciliation: { stop(): Promise<void> } | undefined;
  if (options.db) {
    reconciliation = startReconcileLoop(ours, {
      db: options.db,
      publish,
      log,
      days: reconcileConfig.RECONCILE_DAYS,
      settleMs: reconcileConfig.RECONCILE_SETTLE_MS,
      intervalMs: reconcileConfig.RECONCILE_INTERVAL_MS,
      // After the catch-up's first round, which brings most of what is missing more cheaply.
      firstDelayMs: Math.min(reconcileConfig.RECONCILE_INTERVAL_MS, 60_000),
      keysRefused: (api, err) => registry.keysRefused(api, err, log),
    });
  }
  log.info({ apis: ours().map((api) => `${api.platform}:${api.shop}`) }, "fetchers started");
  return {
    async stop() {
      following.abort();
      await reconciliation?.stop();
      await loop.stop();
      await consumer.stop();
    },
  };
}
