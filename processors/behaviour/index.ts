import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { loadConfig, type ProcessorsConfig } from "../../core/config.ts";
import type { Logger } from "../../core/log.ts";
import type { QuestDb } from "../../core/questdb.ts";
import type { RunningConsumer } from "../consumer.ts";
import { ensureTables } from "../orders/schema.ts";
import { behaviourProcessorEnv } from "./config.ts";
import { startBehaviourConsumer } from "./consumer.ts";
import { RowBudget } from "./row-budget.ts";
import { BEHAVIOUR_TABLES, BEHAVIOUR_VIEWS } from "./schema.ts";

/** The behaviour processor: its tables and views, then the consumer of the BEHAVIOUR stream. */
export async function startBehaviour(deps: {
  db: QuestDb;
  js: JetStreamClient;
  jsm: JetStreamManager;
  log: Logger;
  config: ProcessorsConfig;
}): Promise<RunningConsumer> {
  const { db, config } = deps;
  const own = loadConfig(behaviourProcessorEnv);
  await ensureTables(db, BEHAVIOUR_TABLES);
  await setViewRefresh(db, own.BEHAVIOUR_VIEW_REFRESH);
  return startBehaviourConsumer({
    js: deps.js,
    jsm: deps.jsm,
    sender: await db.sender(),
    log: deps.log,
    batchMaxMessages: config.BATCH_MAX_MESSAGES,
    // Behaviour waits for fuller batches than orders: no one needs a click within 250 ms.
    batchMaxWaitMs: Math.max(config.BATCH_MAX_WAIT_MS, own.BEHAVIOUR_BATCH_MAX_WAIT_MS),
    maxDeliveries: config.MAX_DELIVERIES,
    ackWaitMs: config.ACK_WAIT_MS,
    budget: own.BEHAVIOUR_MAX_ROWS_PER_SECOND ? new RowBudget(own.BEHAVIOUR_MAX_ROWS_PER_SECOND) : undefined,
  });
}

/** Sets every start (views made before, or with another setting, follow the current one). */
export async function setViewRefresh(db: QuestDb, refresh: string): Promise<void> {
  const mode = refresh === "immediate" ? "IMMEDIATE" : `EVERY ${refresh}`;
  for (const view of BEHAVIOUR_VIEWS) await db.exec(`ALTER MATERIALIZED VIEW ${view} SET REFRESH ${mode}`);
}
