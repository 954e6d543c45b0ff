/**
 * One row per check of one shop's store-local day: our figures, the platform's, and what a re-fetch
 * changed. WAL with DEDUP UPSERT KEYS like every table, so a repeated write of a check is one row.
 * `outcome`: `match` (no difference), `fixed` (a re-fetch closed it), `persists` (it did not).
 */
export const RECONCILIATION_TABLE = `CREATE TABLE IF NOT EXISTS reconciliation (
    checked_at TIMESTAMP,
    platform SYMBOL,
    shop SYMBOL,
    day VARCHAR,
    day_start TIMESTAMP,
    day_end TIMESTAMP,
    ours_count LONG,
    theirs_count LONG,
    ours_minor LONG,
    theirs_minor LONG,
    currency SYMBOL,
    refetched LONG,
    ours_after_count LONG,
    ours_after_minor LONG,
    fixed BOOLEAN,
    outcome SYMBOL
  ) TIMESTAMP(checked_at) PARTITION BY DAY TTL 90 DAYS WAL
  DEDUP UPSERT KEYS(checked_at, platform, shop, day)`;
