import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { ProcessorsConfig } from "../../core/config.ts";
import type { Logger } from "../../core/log.ts";
import type { QuestDb } from "../../core/questdb.ts";
import type { RunningConsumer } from "../consumer.ts";
import { ensureTables } from "../orders/schema.ts";
import { startBehaviourConsumer } from "./consumer.ts";
import { BEHAVIOUR_TABLES } from "./schema.ts";

/** The behaviour processor: its tables and views, then the consumer of the BEHAVIOUR stream. */
export async function startBehaviour(deps: {
  db: QuestDb;
  js: JetStreamClient;
  jsm: JetStreamManager;
  log: Logger;
  config: ProcessorsConfig;
}): Promise<RunningConsumer> {
  const { db, config } = deps;
  await ensureTables(db, BEHAVIOUR_TABLES);
  return startBehaviourConsumer({
    js: deps.js,
    jsm: deps.jsm,
    sender: await db.sender(),
    log: deps.log,
    batchMaxMessages: config.BATCH_MAX_MESSAGES,
    // Behaviour waits for fuller batches than orders: no one needs a click within 250 ms.
    batchMaxWaitMs: Math.max(config.BATCH_MAX_WAIT_MS, 1000),
    maxDeliveries: config.MAX_DELIVERIES,
    ackWaitMs: config.ACK_WAIT_MS,
  });
}
