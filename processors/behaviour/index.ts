import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { loadConfig, type ProcessorsConfig } from "../../core/config.ts";
import { behaviourFilter, UNPARTITIONED_BEHAVIOUR } from "../../core/interaction.ts";
import type { Logger } from "../../core/log.ts";
import { partitionConsumerName, type Partition } from "../../core/partitions.ts";
import type { QuestDb } from "../../core/questdb.ts";
import type { RunningConsumer } from "../consumer.ts";
import { ensureTables } from "../orders/schema.ts";
import { behaviourProcessorEnv } from "./config.ts";
import { startBehaviourConsumer } from "./consumer.ts";
import { RowBudget } from "./row-budget.ts";
import { BEHAVIOUR_TABLES, BEHAVIOUR_VIEWS } from "./schema.ts";

/**
 * The behaviour processor: its tables and views, then the consumer of its partition's beacons. With
 * several partitions, partition 0 also writes what a behaviour process not told PROCESSOR_PARTITIONS
 * sent to the plain `beh.<site>` subjects (it sends them all there, so they still have one writer).
 */
export async function startBehaviour(deps: {
  db: QuestDb;
  js: JetStreamClient;
  jsm: JetStreamManager;
  log: Logger;
  config: ProcessorsConfig;
  partition: Partition;
}): Promise<RunningConsumer[]> {
  const { db, config, partition } = deps;
  const own = loadConfig(behaviourProcessorEnv);
  await ensureTables(db, BEHAVIOUR_TABLES);
  await setViewRefresh(db, own.BEHAVIOUR_VIEW_REFRESH);
  // One cap for the replica, however many consumers it runs.
  const budget = own.BEHAVIOUR_MAX_ROWS_PER_SECOND
    ? new RowBudget(own.BEHAVIOUR_MAX_ROWS_PER_SECOND)
    : undefined;
  const start = async (name: string, filterSubject: string, warning?: string) =>
    startBehaviourConsumer({
      name,
      filterSubject,
      warning,
      js: deps.js,
      jsm: deps.jsm,
      sender: await db.sender(),
      log: deps.log,
      batchMaxMessages: config.BATCH_MAX_MESSAGES,
      // Behaviour waits for fuller batches than orders: no one needs a click within 250 ms.
      batchMaxWaitMs: Math.max(config.BATCH_MAX_WAIT_MS, own.BEHAVIOUR_BATCH_MAX_WAIT_MS),
      maxDeliveries: config.MAX_DELIVERIES,
      ackWaitMs: config.ACK_WAIT_MS,
      budget,
    });
  const consumers = [await start(partitionConsumerName("behaviour", partition), behaviourFilter(partition))];
  if (partition.count > 1 && partition.index === 0)
    consumers.push(
      await start(
        "behaviour_unpartitioned",
        UNPARTITIONED_BEHAVIOUR,
        "beacons published without their partition (is PROCESSOR_PARTITIONS set for the behaviour process?): written by partition 0",
      ),
    );
  return consumers;
}

/** Sets every start (views made before, or with another setting, follow the current one). */
export async function setViewRefresh(db: QuestDb, refresh: string): Promise<void> {
  const mode = refresh === "immediate" ? "IMMEDIATE" : `EVERY ${refresh}`;
  for (const view of BEHAVIOUR_VIEWS) await db.exec(`ALTER MATERIALIZED VIEW ${view} SET REFRESH ${mode}`);
}
