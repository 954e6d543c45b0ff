import type { FactRollup, RollupView } from "../../processors/rollup-view.ts";

/** QuestDB's unit letter for a bucket, as `timestamp_floor` and `timestamp_ceil` take it. */
const UNIT = { "1h": "h", "1d": "d" } as const;

/** Where a level's whole buckets inside the range begin (`first`) and end (`end`), as SQL. */
interface Edges {
  first: string;
  end: string;
}

/**
 * `timestamp_ceil` of a time on a bucket's edge is the next edge: that first bucket then comes
 * from the finer level, which gives the same sum.
 */
const edgesOf = (v: RollupView): Edges => ({
  first: `timestamp_ceil('${UNIT[v.bucket]}', $__fromTime)`,
  end: `timestamp_floor('${UNIT[v.bucket]}', $__toTime)`,
});

/**
 * The facts of the dashboard's range, as rows of `r`'s columns (its timestamp, keys and measures):
 * the coarsest view's buckets that lie wholly inside the range, then each finer view's whole
 * buckets in what is left at either end, and the facts themselves in the partial buckets of the
 * finest view. Summing a measure over these rows gives exactly what summing its expression over
 * the facts in `$__timeFilter` gives, while a two-year range reads a row per day and key instead
 * of one per fact, and a short range little more than its facts.
 *
 * Every part is a time interval written with AND only (an OR would make QuestDB filter every row
 * of the range instead of scanning the interval), and the parts never overlap: an end's part starts
 * at `greatest(end, first)` of the coarser level, so a range too short for a whole coarse bucket
 * is counted once, by its head.
 */
export function rollupRows(r: FactRollup): string {
  const ts = r.ts;
  const columns = [ts, ...r.keys, ...Object.keys(r.measures)].join(", ");
  const levels = [...r.views].reverse(); // coarsest first
  const parts: string[] = [];
  for (const [i, view] of levels.entries()) {
    const own = edgesOf(view);
    const from = (where: string) => `SELECT ${columns} FROM ${view.name} WHERE ${where}`;
    const coarser = levels[i - 1];
    if (!coarser) {
      parts.push(from(`${ts} >= ${own.first} AND ${ts} < ${own.end}`));
      continue;
    }
    const { first, end } = edgesOf(coarser);
    parts.push(from(`${ts} >= ${own.first} AND ${ts} < ${first} AND ${ts} < ${own.end}`));
    parts.push(from(`${ts} >= greatest(${end}, ${first}) AND ${ts} < ${own.end}`));
  }
  const perFact = Object.entries(r.measures).map(([name, expr]) => `${expr} AS ${name}`);
  const facts = (where: string) =>
    `SELECT ${[ts, ...r.keys, ...perFact].join(", ")} FROM ${r.facts} WHERE ${r.where ? `(${r.where}) AND ` : ""}${where}`;
  const finest = r.views[0] ? edgesOf(r.views[0]) : { first: "$__toTime", end: "$__toTime" };
  parts.push(facts(`$__timeFilter(${ts}) AND ${ts} < ${finest.first}`));
  parts.push(facts(`${ts} >= greatest(${finest.end}, ${finest.first}) AND ${ts} <= $__toTime`));
  return `(${parts.join("\n  UNION ALL\n  ")})`;
}
