import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { ProcessorsConfig } from "../../core/config.ts";
import { loadConfig } from "../../core/config.ts";
import type { Logger } from "../../core/log.ts";
import { walApplied, type QuestDb } from "../../core/questdb.ts";
import { untilAnswered } from "../../core/start-up.ts";
import type { Partition } from "../../core/partitions.ts";
import type { SharedDecode } from "../shared-decode.ts";
import { startConsumer, type RunningConsumer } from "../consumer.ts";
import { ensureTables } from "../orders/schema.ts";
import { salesEnv, type SalesConfig } from "./config.ts";
import { salesHandler } from "./handler.ts";
import { SALES_TABLES } from "./schema.ts";
import { RecentFacts } from "./recent.ts";
import { ShopDirectory } from "./shops.ts";

export interface SalesProcessor {
  /** Starts the durable consumer `sales` on the events stream (its own position, independent of orders). */
  start(nats: {
    js: JetStreamClient;
    jsm: JetStreamManager;
    partition?: Partition;
    shared?: SharedDecode;
  }): Promise<RunningConsumer>;
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
  /** The shops this replica owns (its partition): only theirs are held in memory. */
  owns?: (platform: string, shop: string) => boolean;
  /** Called with each shop whose windows a batch wrote (the live tiles). */
  onWindows?: (platform: string, shop: string) => void;
}): Promise<SalesProcessor> {
  const { db, config, log } = options;
  const salesConfig = loadConfig(salesEnv, options.env ?? process.env);
  // Each step is repeated when QuestDB misses its timeout (a replica restarted into a backlog).
  const wait = <T>(what: string, step: () => Promise<T>) => untilAnswered(`QuestDB: ${what}`, step, { log });
  await wait("sales tables", () => ensureTables(db, SALES_TABLES));
  // Stale states are judged against stored facts: see what a previous run committed first.
  const applied = await wait("earlier sales facts applied", () => walApplied(db, ["sales_facts"]));
  if (!applied) log.warn("QuestDB still applying earlier sales facts; stale-update checks may miss them");
  const shops = new ShopDirectory(db, salesConfig);
  await wait("shops' time zones", async () => shops.init(await db.sender()));
  const sender = await db.sender();
  const recent = await wait("recent sales facts for the in-memory windows", () =>
    loadRecent(db, salesConfig, applied, log, options.owns),
  );
  return {
    start: ({ js, jsm, partition, shared }) =>
      startConsumer({
        ...(partition ? { partition } : {}),
        ...(shared ? { shared } : {}),
        name: "sales",
        js,
        jsm,
        sender,
        handle: salesHandler(db, shops, log, {
          ...(recent ? { recent } : {}),
          ...(options.onWindows ? { onWindows: options.onWindows } : {}),
        }),
        log,
        batchMaxMessages: config.BATCH_MAX_MESSAGES,
        batchMaxBytes: config.BATCH_MAX_BYTES,
        batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
        maxDeliveries: config.MAX_DELIVERIES,
        ackWaitMs: config.ACK_WAIT_MS,
      }),
  };
}

/**
 * The owned shops' recent facts, read from QuestDB. A mirror that missed facts still being applied
 * would recompute their minutes without them: then every batch is read back instead.
 */
async function loadRecent(
  db: QuestDb,
  config: SalesConfig,
  applied: boolean,
  log: Logger,
  owns: (platform: string, shop: string) => boolean = () => true,
): Promise<RecentFacts | undefined> {
  if (!config.SALES_MEMORY_HOURS) return undefined;
  if (!applied) {
    log.warn("sales facts not all applied: windows are read back from QuestDB, not held in memory");
    return undefined;
  }
  const recent = new RecentFacts(config.SALES_MEMORY_HOURS * 3_600_000);
  const held = await recent.load(db, owns);
  log.info({ facts: held, hours: config.SALES_MEMORY_HOURS }, "recent sales facts held in memory");
  return recent;
}
