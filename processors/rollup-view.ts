/**
 * A rollup of a fact table as QuestDB materialized views, one per bucket size, declared once so the
 * views' DDL and the panels that read them (grafana/sql/rollup-range.ts) agree on what a row
 * counts. Every measure is a per-fact expression each view sums per bucket: a panel adds the same
 * expression over the facts at the partial buckets of its range and gets exactly what the facts
 * alone would give.
 */
export interface FactRollup {
  /** The fact table: a WAL table with DEDUP UPSERT KEYS, so an upserted fact recomputes its buckets. */
  facts: string;
  /** The fact table's designated timestamp; each view's keeps its name. */
  ts: string;
  /** Which facts count (e.g. live labels only); undefined for all. */
  where?: string;
  /** The columns a bucket is kept per. */
  keys: readonly string[];
  /** Column name → the expression over one fact that the views sum. */
  measures: Readonly<Record<string, string>>;
  /** The views, finest bucket first; each coarser bucket a whole number of the finer ones. */
  views: readonly RollupView[];
  ttl: string;
}

export interface RollupView {
  name: string;
  /** The bucket, as QuestDB's SAMPLE BY writes it. */
  bucket: "1h" | "1d";
  partitionBy: "DAY" | "MONTH" | "YEAR";
}

/** Each view's `CREATE MATERIALIZED VIEW IF NOT EXISTS` (idempotent, like every start-up DDL). */
export function rollupViewDdl(r: FactRollup): string[] {
  const sums = Object.entries(r.measures).map(([name, expr]) => `sum(${expr}) ${name}`);
  const where = r.where ? ` WHERE ${r.where}` : "";
  return r.views.map(
    (v) => `CREATE MATERIALIZED VIEW IF NOT EXISTS ${v.name} AS (
    SELECT ${[r.ts, ...r.keys, ...sums].join(", ")}
    FROM ${r.facts}${where} SAMPLE BY ${v.bucket}
  ) PARTITION BY ${v.partitionBy} TTL ${r.ttl}`,
  );
}
