import { sqlString, type QuestDb } from "../../core/questdb.ts";
import { shopTables } from "../../core/shop-data.ts";
import type { CatchUpOutcome } from "./catchup-budget.ts";

/**
 * One row per catch-up round of a shop, so the Data health dashboard can show when a shop was last
 * caught up, how many orders it re-read and how many disabled webhooks it turned back on.
 */
export const CATCHUP_RUNS_TABLE = `CREATE TABLE IF NOT EXISTS catchup_runs (
    ts TIMESTAMP,
    platform SYMBOL,
    shop SYMBOL,
    since TIMESTAMP,
    events LONG,
    reactivated LONG,
    outcome SYMBOL
  ) TIMESTAMP(ts) PARTITION BY DAY TTL 90 DAYS WAL
  DEDUP UPSERT KEYS(ts, platform, shop)`;

/** Tables made before rounds had an outcome gain the column (rows from then read as null: ok). */
export const CATCHUP_RUNS_OUTCOME = "ALTER TABLE catchup_runs ADD COLUMN IF NOT EXISTS outcome SYMBOL";

/** `catchup_runs` and `reconciliation` hold a shop's rows: `shop/redact` removes them too. */
export const DATA_HEALTH_SHOP_TABLES = shopTables([
  { table: "catchup_runs", ts: "ts", by: "DAY" },
  { table: "reconciliation", ts: "checked_at", by: "DAY" },
]);

export interface CatchUpRun {
  platform: string;
  shop: string;
  since: Date;
  startedAt: string;
  events: number;
  reactivated: number;
  /** `ok`, or why the round stopped: over its time or page budget, or failed (logged with the error). */
  outcome: CatchUpOutcome;
}

export async function recordCatchUp(db: QuestDb, run: CatchUpRun): Promise<void> {
  await db.exec(
    `INSERT INTO catchup_runs (ts, platform, shop, since, events, reactivated, outcome) VALUES (
      ${sqlString(run.startedAt)}, ${sqlString(run.platform)}, ${sqlString(run.shop)},
      ${sqlString(run.since.toISOString())}, ${run.events}, ${run.reactivated}, ${sqlString(run.outcome)})`,
  );
}
