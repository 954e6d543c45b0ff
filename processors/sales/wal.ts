import { QuestDbError, sqlString, type QuestDb } from "../../core/questdb.ts";

/**
 * Waits until every transaction committed to a WAL table so far is applied and visible to queries.
 * An ILP flush returns once the rows are in the WAL, a few milliseconds before a SELECT sees them;
 * windows are recomputed by reading facts back, so they must see the batch just written. Unlike
 * core's `walApplied` (a start-up check), this runs on every batch: it polls from 2 ms up, waits
 * only for the transactions committed so far, and fails the batch (to be retried) on a timeout.
 */
export async function waitForWalApplied(
  db: QuestDb,
  table: string,
  { timeoutMs = 15_000 } = {},
): Promise<void> {
  const query = `SELECT writerTxn, sequencerTxn, suspended FROM wal_tables() WHERE name = ${sqlString(table)}`;
  const deadline = Date.now() + timeoutMs;
  let target: number | undefined;
  for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
    const result = await db.exec<[number, number, boolean]>(query);
    const row = result.dataset[0];
    if (!row) throw new QuestDbError(`table ${table} is not a WAL table`, 400, query);
    const [writerTxn, sequencerTxn, suspended] = row;
    if (suspended) throw new QuestDbError(`WAL table ${table} is suspended`, 500, query);
    target ??= sequencerTxn;
    if (writerTxn >= target) return;
    if (Date.now() > deadline) {
      // Treated as QuestDB being unavailable: the batch is retried later, not dead-lettered.
      throw new QuestDbError(
        `WAL of ${table} not applied after ${timeoutMs} ms (${writerTxn}/${target})`,
        503,
        query,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
