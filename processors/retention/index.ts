import type { Logger } from "../../core/log.ts";
import { loadConfig } from "../../core/config.ts";
import type { QuestDb } from "../../core/questdb.ts";
import { ensureTables } from "../orders/schema.ts";
import { retentionEnv } from "./config.ts";
import { scheduleConversion } from "./parquet.ts";
import { HISTORY_TTL_DDL, ROLLUP_VIEWS } from "./schema.ts";

/**
 * Two years of history: the fact tables' TTL, the hourly and daily rollup views, and the job that
 * moves partitions out of the hot window into Parquet. Call after the orders and sales tables exist.
 */
export async function startRetention(options: {
  db: QuestDb;
  log: Logger;
  env?: Record<string, string | undefined>;
  /** Whether this process runs the conversion: one replica does (partition 0), the tables are shared. */
  convert?: boolean;
}): Promise<{ stop(): Promise<void> }> {
  const { db, log } = options;
  const config = loadConfig(retentionEnv, options.env ?? process.env);
  await ensureTables(db, [...HISTORY_TTL_DDL, ...ROLLUP_VIEWS]);
  if (options.convert === false) return { stop: async () => undefined };
  return scheduleConversion(db, log, {
    hotDays: config.RETENTION_HOT_DAYS,
    intervalMs: config.RETENTION_INTERVAL_MS,
  });
}
