import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { loadConfig, type ProcessorsConfig } from "../../core/config.ts";
import type { Logger } from "../../core/log.ts";
import type { QuestDb } from "../../core/questdb.ts";
import { shopPartition, WHOLE, type Partition } from "../../core/partitions.ts";
import { ensureTables } from "../orders/schema.ts";
import type { SharedDecode } from "../shared-decode.ts";
import { startConsumer, type RunningConsumer } from "../consumer.ts";
import { inventoryEnv } from "./config.ts";
import { DirtySkus } from "./dirty.ts";
import { Forecaster, runForecaster } from "./forecaster.ts";
import { inventoryHandler } from "./handler.ts";
import { ItemSkus } from "./items.ts";
import { INVENTORY_TABLES } from "./schema.ts";

/**
 * The inventory processor: a durable consumer that files stock reports and item maps, and a
 * forecaster that turns them and the order lines into levels, velocities, ETAs and reorder points.
 */
export async function startInventory(deps: {
  db: QuestDb;
  js: JetStreamClient;
  jsm: JetStreamManager;
  log: Logger;
  config: ProcessorsConfig;
  env?: Record<string, string | undefined>;
  /** This replica's shops: it files and forecasts theirs only. */
  partition?: Partition;
  shared?: SharedDecode;
}): Promise<RunningConsumer> {
  const { db, log, config } = deps;
  const partition = deps.partition ?? WHOLE;
  const settings = loadConfig(inventoryEnv, deps.env ?? process.env);
  await ensureTables(db, INVENTORY_TABLES);
  // Re-check a dirty SKU after the orders consumer has surely written its lines (its batch wait + slack).
  const dirty = new DirtySkus(config.BATCH_MAX_WAIT_MS * 4 + 2000);
  const consumer = await startConsumer({
    name: "inventory",
    js: deps.js,
    jsm: deps.jsm,
    sender: await db.sender(),
    handle: inventoryHandler(new ItemSkus(db), dirty),
    log,
    batchMaxMessages: config.BATCH_MAX_MESSAGES,
    batchMaxBytes: config.BATCH_MAX_BYTES,
    batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
    maxDeliveries: config.MAX_DELIVERIES,
    ackWaitMs: config.ACK_WAIT_MS,
    partition,
    ...(deps.shared ? { shared: deps.shared } : {}),
  });
  const forecaster = runForecaster(
    new Forecaster({
      db,
      sender: await db.sender(),
      log,
      owns: (platform, shop) => shopPartition(platform, shop, partition.count) === partition.index,
      settings: {
        leadTimeDays: settings.INVENTORY_LEAD_TIME_DAYS,
        serviceZ: settings.INVENTORY_SERVICE_Z,
        burstFactor: settings.INVENTORY_BURST_FACTOR,
        windowDays: 7,
      },
    }),
    dirty,
    { intervalMs: settings.INVENTORY_FORECAST_INTERVAL_MS, refreshMs: settings.INVENTORY_REFRESH_MS, log },
  );
  return {
    done: consumer.done,
    async stop() {
      await consumer.stop();
      await forecaster.stop();
    },
  };
}
