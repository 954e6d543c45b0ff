import type { Logger } from "../../core/log.ts";
import { sqlString, type QuestDb } from "../../core/questdb.ts";
import { FACT_TABLES } from "./schema.ts";

const DAY_MS = 86_400_000;

export interface Converted {
  table: string;
  partitions: number;
}

/**
 * Converts every native partition of the fact tables that lies wholly before the hot window
 * (`hotDays` before the start of today, UTC) to Parquet in place. A table's newest partition is
 * never converted (QuestDB writes there), even when it is older than the window.
 */
export async function convertColdPartitions(
  db: QuestDb,
  hotDays: number,
  now = Date.now(),
): Promise<Converted[]> {
  const cutoff = Math.floor(now / DAY_MS) * DAY_MS - hotDays * DAY_MS;
  const converted: Converted[] = [];
  for (const { table, ts } of FACT_TABLES) {
    const partitions = await db.exec<[string, boolean]>(
      `SELECT name, isParquet FROM table_partitions(${sqlString(table)}) ORDER BY name`,
    );
    const days = partitions.dataset.map(([name, parquet]) => ({
      start: Date.parse(`${name}T00:00:00Z`),
      parquet,
    }));
    const newest = days[days.length - 1]?.start ?? -Infinity;
    const until = Math.min(cutoff, newest);
    const cold = days.filter((d) => !d.parquet && d.start < until).length;
    if (!cold) continue;
    await db.exec(
      `ALTER TABLE ${table} CONVERT PARTITION TO PARQUET WHERE ${ts} < ${sqlString(new Date(until).toISOString())}`,
    );
    converted.push({ table, partitions: cold });
  }
  return converted;
}

/** Runs the conversion now and then every `intervalMs`; a failed round is logged and tried again next time. */
export function scheduleConversion(
  db: QuestDb,
  log: Logger,
  { hotDays, intervalMs }: { hotDays: number; intervalMs: number },
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const round = () => {
    running = convertColdPartitions(db, hotDays).then(
      (converted) => {
        if (converted.length) log.info({ converted, hotDays }, "cold partitions converted to parquet");
      },
      (err: unknown) => log.warn({ err: String(err), retryInMs: intervalMs }, "parquet conversion failed"),
    );
  };
  round();
  const timer = setInterval(round, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
