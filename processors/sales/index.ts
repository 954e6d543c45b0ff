import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { ProcessorsConfig } from "../../core/config.ts";
import { loadConfig } from "../../core/config.ts";
import type { Logger } from "../../core/log.ts";
import type { QuestDb } from "../../core/questdb.ts";
import { startConsumer, type RunningConsumer } from "../consumer.ts";
import { ensureTables } from "../orders/schema.ts";
import { salesEnv } from "./config.ts";
import { salesHandler } from "./handler.ts";
import { SALES_TABLES } from "./schema.ts";
import { ShopDirectory } from "./shops.ts";

/**
 * The live-sales processor: its tables, the shops' time zones (SHOP_TIMEZONES), and its own durable
 * consumer `sales` on the events stream, so it keeps its position independently of the orders writer.
 */
export async function startSales(options: {
  db: QuestDb;
  js: JetStreamClient;
  jsm: JetStreamManager;
  log: Logger;
  config: ProcessorsConfig;
  env?: Record<string, string | undefined>;
}): Promise<RunningConsumer> {
  const { db, config, log } = options;
  const salesConfig = loadConfig(salesEnv, options.env ?? process.env);
  await ensureTables(db, SALES_TABLES);
  const shops = new ShopDirectory(db, salesConfig);
  await shops.init(await db.sender());
  return startConsumer({
    name: "sales",
    js: options.js,
    jsm: options.jsm,
    sender: await db.sender(),
    handle: salesHandler(db, shops, log),
    log,
    batchMaxMessages: config.BATCH_MAX_MESSAGES,
    batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
    maxDeliveries: config.MAX_DELIVERIES,
  });
}
