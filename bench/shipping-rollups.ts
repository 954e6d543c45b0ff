import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { viewsRefreshed } from "../core/questdb.ts";
import { renderQuery, type QueryContext } from "../grafana/interpolate.ts";
import { LABEL_COST_SERIES, SHIPMENTS_BY_CARRIER } from "../grafana/sql/fulfilment.ts";
import { rollupRows } from "../grafana/sql/rollup-range.ts";
import { ensureTables } from "../processors/orders/schema.ts";
import { SHIPMENT_ROLLUP } from "../processors/shipments/rollups.ts";
import { SHIPMENT_TABLES } from "../processors/shipments/schema.ts";
import { startQuestDbServer } from "../services/questdb-server.ts";

/**
 * The Fulfilment panels that read the shipping rollups, over two years of labels, against the
 * same panels reading the labels alone (the rollup's rows swapped for its facts-only form, so both
 * compute the same figures, which this checks), on a QuestDB of its own.
 *
 *   node bench/shipping-rollups.ts [labels, default 1000000]
 */
const LABELS = Number(process.argv[2] ?? 1_000_000);
const DAY = 86_400_000;
const END = Date.UTC(2026, 11, 1);
const SPAN = 730 * DAY;
const CARRIERS = ["ups", "fedex", "usps", "dhl"];
const SERVICES = ["ground", "2day", "priority"];

const server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-bench-ship-")) });
try {
  const db = server.db;
  await ensureTables(db, SHIPMENT_TABLES);
  const sender = await db.sender();
  for (let i = 0; i < LABELS; i++) {
    await sender
      .table("shipments")
      .symbol("shipper", i % 2 ? "shipstation" : "shippo")
      .symbol("account", "bench")
      .symbol("currency", "USD")
      .symbol("carrier", CARRIERS[i % CARRIERS.length]!)
      .symbol("service", SERVICES[i % SERVICES.length]!)
      .stringColumn("shipment_id", `s${i}`)
      .intColumn("label_cost_minor", 300 + (i % 1000))
      .booleanColumn("is_return", i % 10 === 0)
      .at(BigInt(END - SPAN + Math.floor((i / LABELS) * SPAN)) * 1000n, "us");
    if (i % 20_000 === 19_999) await sender.flush();
  }
  await sender.flush();
  await sender.close();
  const views = SHIPMENT_ROLLUP.views.map((v) => v.name);
  if (!(await viewsRefreshed(db, views, 600_000)))
    throw new Error(`${views.join(", ")} not refreshed in time`);

  // Two years less a few minutes at each end, as Grafana's "last 2 years" sends them.
  const ctx: QueryContext = {
    from: new Date(END - SPAN + 1_234_567),
    to: new Date(END - 7_654_321),
    maxDataPoints: 20_000,
    variables: {},
  };
  const withRollups = rollupRows(SHIPMENT_ROLLUP);
  const factsOnly = rollupRows({ ...SHIPMENT_ROLLUP, views: [] });
  /** Medians of 7 runs each, the two queries interleaved (after one warm-up each) so both see the same load. */
  const compare = async (a: string, b: string) => {
    const queries = [renderQuery(a, ctx), renderQuery(b, ctx)];
    const ms: number[][] = [[], []];
    const rows: unknown[][][] = [[], []];
    for (let round = 0; round < 8; round++) {
      for (const [i, query] of queries.entries()) {
        const started = performance.now();
        rows[i] = (await db.exec(query)).dataset;
        if (round > 0) ms[i]!.push(performance.now() - started);
      }
    }
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    return { rows, medians: ms.map(median) };
  };
  console.log(`${LABELS} labels over two years; load average ${loadavg()[0]!.toFixed(1)}`);
  for (const [panel, sql] of [
    ["Labels by carrier", SHIPMENTS_BY_CARRIER],
    ["Label cost per day", LABEL_COST_SERIES],
  ] as const) {
    const { rows, medians } = await compare(sql, sql.replace(withRollups, factsOnly));
    if (JSON.stringify(rows[0]) !== JSON.stringify(rows[1]))
      throw new Error(`${panel}: the rollups and the facts disagree`);
    console.log(
      `${panel}: ${medians[0]!.toFixed(1)} ms from the rollups, ${medians[1]!.toFixed(1)} ms from the facts (${rows[0]!.length} rows)`,
    );
  }
} finally {
  await server.stop();
}
