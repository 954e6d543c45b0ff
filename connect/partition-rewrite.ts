import { sqlString, walApplied, type QuestDb } from "../core/questdb.ts";
import type { ShopTable } from "../core/shop-data.ts";

/**
 * Removes one shop's rows from one QuestDB table, which has no row DELETE, by rewriting the
 * partitions that hold them: copy the other rows of those partitions aside, verify the copy, drop the
 * partitions, insert the copy back, verify, clean up. Crash-safe and resumable because the state is in
 * the tables' names, not in memory:
 *
 *   `<t>__redact_days`   the partitions to rewrite (written first: after the drop the shop's rows,
 *                        from which they were found, are gone);
 *   `<t>__redact_copy`   the other rows, not yet checked: the source is still intact, so a run that
 *                        finds it throws it away and copies again;
 *   `<t>__redact_ready`  the copy, counted against the source: the commit point. From here on a run
 *                        only ever finishes the swap (drop, insert, verify) and drops the copy last,
 *                        once its rows are back in `<t>`. A run never starts by dropping it.
 *
 * Dropping and inserting go through the table's WAL in order, and the insert of a table with
 * DEDUP UPSERT KEYS is idempotent, so repeating the swap after a crash anywhere in it changes nothing.
 * The gap this cannot close: a row of another shop written to the same partitions after the copy and
 * before the drop is lost from QuestDB (it stays in JetStream and returns on a replay).
 */

/** Where a run may be cut short, in order; `RewriteHooks.after` is called after each. */
export const REWRITE_STEPS = ["days", "copied", "verified", "dropped", "inserted", "cleaned"] as const;
export type RewriteStep = (typeof REWRITE_STEPS)[number];

export interface RewriteHooks {
  /** Called after each step (tests interrupt a run here, as a crash would). */
  after?(step: RewriteStep, table: string): Promise<void> | void;
}

/** The copy did not match the source, or the rows put back do not match the copy. */
export class RedactionMismatch extends Error {
  readonly table: string;
  readonly expected: number;
  readonly found: number;

  constructor(table: string, expected: number, found: number, what: string) {
    super(`redaction of ${table}: ${what}: expected ${expected} rows, found ${found}`);
    this.name = "RedactionMismatch";
    this.table = table;
    this.expected = expected;
    this.found = found;
  }
}

/** The QuestDB table holding a shop's rows was suspended or its WAL did not catch up. */
export class WalNotApplied extends Error {
  readonly table: string;

  constructor(table: string) {
    super(`QuestDB table ${table}: WAL not applied in time; retry the redaction`);
    this.name = "WalNotApplied";
    this.table = table;
  }
}

const FORMAT: Record<ShopTable["by"], string> = { DAY: "yyyy-MM-dd", MONTH: "yyyy-MM", YEAR: "yyyy" };
/** How often a fresh copy is tried when rows kept landing in the source while copying. */
const COPY_ATTEMPTS = 3;

export const asideNames = (table: string) => ({
  days: `${table}__redact_days`,
  copy: `${table}__redact_copy`,
  ready: `${table}__redact_ready`,
});

export interface Rewritten {
  partitions: string[];
  rowsRemoved: number;
  /** A swap a previous run committed to and this one finished. */
  resumed: boolean;
}

export async function tableExists(db: QuestDb, table: string): Promise<boolean> {
  const result = await db.exec(`SELECT count() FROM tables() WHERE table_name = ${sqlString(table)}`);
  return result.dataset[0]?.[0] === 1;
}

async function settle(db: QuestDb, table: string): Promise<void> {
  if (!(await walApplied(db, [table], 60_000))) throw new WalNotApplied(table);
}

async function count(db: QuestDb, from: string, where = "true"): Promise<number> {
  const result = await db.exec<[number]>(`SELECT count() FROM ${from} WHERE ${where}`);
  return result.dataset[0]?.[0] ?? 0;
}

const inPartitions = (ts: string, partitions: readonly string[]) =>
  partitions.length ? `(${partitions.map((p) => `${ts} IN ${sqlString(p)}`).join(" OR ")})` : "false";

async function partitionsOf(db: QuestDb, daysTable: string): Promise<string[]> {
  const rows = await db.exec<[string]>(`SELECT day FROM ${daysTable} ORDER BY day`);
  return rows.dataset.map((r) => r[0]);
}

/**
 * Finishes a committed swap: drop the partitions still there, put the copy back, check, clean up.
 * `shop` is known for this run's own swap; a swap resumed from another run may have been for another shop.
 */
async function finishSwap(
  db: QuestDb,
  spec: ShopTable,
  shop: string | undefined,
  hooks: RewriteHooks,
): Promise<string[]> {
  const { table, ts } = spec;
  const names = asideNames(table);
  const partitions = await partitionsOf(db, names.days);
  const existing = await db.exec<[string]>(`SELECT name FROM table_partitions(${sqlString(table)})`);
  const present = new Set(existing.dataset.map((r) => r[0]));
  const toDrop = partitions.filter((p) => present.has(p));
  if (toDrop.length)
    await db.exec(`ALTER TABLE ${table} DROP PARTITION LIST ${toDrop.map(sqlString).join(", ")}`);
  await settle(db, table);
  await hooks.after?.("dropped", table);
  await db.exec(`INSERT INTO ${table} SELECT * FROM ${names.ready}`);
  await settle(db, table);
  await hooks.after?.("inserted", table);
  const copied = await count(db, names.ready);
  const back = await count(db, table, inPartitions(ts, partitions));
  const left = shop ? await count(db, table, `${inPartitions(ts, partitions)} AND ${shop}`) : 0;
  // More than the copy is fine (rows written since); fewer, or the shop still there, is not.
  if (back < copied) throw new RedactionMismatch(table, copied, back, "rows put back");
  if (left > 0) throw new RedactionMismatch(table, 0, left, "rows of the shop after the swap");
  await db.exec(`DROP TABLE ${names.ready}`);
  await db.exec(`DROP TABLE ${names.days}`);
  await hooks.after?.("cleaned", table);
  return partitions;
}

/** Copies the other rows of the shop's partitions aside and renames the copy `ready` once its count matches. */
async function copyAside(db: QuestDb, spec: ShopTable, shop: string, hooks: RewriteHooks): Promise<void> {
  const { table, ts, by } = spec;
  const names = asideNames(table);
  await db.exec(
    `CREATE TABLE ${names.days} AS (SELECT DISTINCT to_str(${ts}, '${FORMAT[by]}') day FROM ${table} WHERE ${shop})`,
  );
  await hooks.after?.("days", table);
  const others = `${inPartitions(ts, await partitionsOf(db, names.days))} AND NOT (${shop})`;
  for (let attempt = 1; ; attempt++) {
    await db.exec(`CREATE TABLE ${names.copy} AS (SELECT * FROM ${table} WHERE ${others})`);
    await hooks.after?.("copied", table);
    const [copied, source] = [await count(db, names.copy), await count(db, table, others)];
    if (copied === source) break;
    // Rows landed while copying: the source is intact, so this copy can go and another be made.
    await db.exec(`DROP TABLE ${names.copy}`);
    if (attempt === COPY_ATTEMPTS)
      throw new RedactionMismatch(table, source, copied, "copy of the other rows");
    await settle(db, table);
  }
  await db.exec(`RENAME TABLE ${names.copy} TO ${names.ready}`);
  await hooks.after?.("verified", table);
}

/** Drops what a run left before its commit point; the source still holds every row. */
async function dropUncommitted(db: QuestDb, table: string): Promise<void> {
  const names = asideNames(table);
  await db.exec(`DROP TABLE IF EXISTS ${names.copy}`);
  await db.exec(`DROP TABLE IF EXISTS ${names.days}`);
}

/**
 * Removes the rows matching `shop` (an SQL predicate) from `spec.table`, finishing first any swap an
 * interrupted run committed to (whichever shop it was for: its copy already excludes that shop).
 */
export async function rewriteWithout(
  db: QuestDb,
  spec: ShopTable,
  shop: string,
  hooks: RewriteHooks = {},
): Promise<Rewritten> {
  const { table } = spec;
  const resumed = await tableExists(db, asideNames(table).ready);
  if (resumed) await finishSwap(db, spec, undefined, hooks);
  await settle(db, table);
  const rowsRemoved = await count(db, table, shop);
  await dropUncommitted(db, table);
  if (rowsRemoved === 0) return { partitions: [], rowsRemoved, resumed };
  await copyAside(db, spec, shop, hooks);
  const partitions = await finishSwap(db, spec, shop, hooks);
  return { partitions, rowsRemoved, resumed };
}
