import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { ProcessorsConfig } from "../../core/config.ts";
import { loadConfig } from "../../core/config.ts";
import type { Logger } from "../../core/log.ts";
import { walApplied, type QuestDb } from "../../core/questdb.ts";
import { startConsumer, type RunningConsumer } from "../consumer.ts";
import { ensureTables } from "../orders/schema.ts";
import { salesEnv } from "./config.ts";
import { salesHandler } from "./handler.ts";
import { SALES_TABLES } from "./schema.ts";
import { ShopDirectory } from "./shops.ts";

export interface SalesProcessor {
  /** Starts the durable consumer `sales` on the events stream (its own position, independent of orders). */
  start(nats: { js: JetStreamClient; jsm: JetStreamManager }): Promise<RunningConsumer>;
}

/**
 * The live-sales processor, in two steps so that main.ts can do all QuestDB work before it touches
 * NATS: first its tables, a check that a previous run's facts are applied, and the shops' time zones
 * (SHOP_TIMEZONES); then its consumer.
 */
export async function prepareSales(options: {
  db: QuestDb;
  log: Logger;
  config: ProcessorsConfig;
  env?: Record<string, string | undefined>;
}): Promise<SalesProcessor> {
  const { db, config, log } = options;
  const salesConfig = loadConfig(salesEnv, options.env ?? process.env);
  await ensureTables(db, SALES_TABLES);
  // Stale states are judged against stored facts: see what a previous run committed first.
  if (!(await walApplied(db, ["sales_facts"])))
    log.warn("QuestDB still applying earlier sales facts; stale-update checks may miss them");
  const shops = new ShopDirectory(db, salesConfig);
  await shops.init(await db.sender());
  const sender = await db.sender();
  return {
    start: ({ js, jsm }) =>
      startConsumer({
        name: "sales",
        js,
        jsm,
        sender,
        handle: salesHandler(db, shops, log),
        log,
        batchMaxMessages: config.BATCH_MAX_MESSAGES,
        batchMaxBytes: config.BATCH_MAX_BYTES,
        batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
        maxDeliveries: config.MAX_DELIVERIES,
        ackWaitMs: config.ACK_WAIT_MS,
      }),
  };
}
