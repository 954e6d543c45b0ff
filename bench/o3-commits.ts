import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { walApplied } from "../core/questdb.ts";
import { writeOrderRows } from "../processors/orders/rows.ts";
import { ORDER_TABLES } from "../processors/orders/schema.ts";
import { startQuestDbServer } from "../services/questdb-server.ts";
import { cpuSeconds, perEvent } from "./measure.ts";
import { threadCpuDelta, threadCpuSeconds } from "./questdb-threads.ts";
import { writeResults } from "./results-file.ts";
import { syntheticOrder } from "./synthetic-orders.ts";

/**
 * QuestDB's CPU per order as today's partition grows, written the way the orders consumer writes:
 * commits of `--batch` orders whose creation times (to the second, as platforms send them) reach
 * back into the second the previous commit ended in, so every commit lands out of order and, with
 * DEDUP, is merged into the partition. QuestDB copies the partition's untouched prefix into the
 * new version unless it is at least `cairo.o3.partition.split.min.size` (50 MB by default), so the
 * cost of a commit can grow with the partition (measured: it does, and most of a commit's cost is
 * there at any size, docs/benchmarks.md). Each variant runs on a QuestDB of its own, 30 s per
 * 30,000 orders at the defaults;
 * `--split` lists the split sizes to compare ("default" for QuestDB's own).
 *
 *   node bench/o3-commits.ts --orders 120000 --batch 250 --commits-per-second 4 --split default,2M
 */
const { values: args } = parseArgs({
  options: {
    label: { type: "string", default: "o3" },
    orders: { type: "string", default: "120000" },
    batch: { type: "string", default: "250" },
    /** Orders per second of simulated time: how many share each created_at second. */
    rate: { type: "string", default: "1000" },
    split: { type: "string", default: "default,2M" },
    segments: { type: "string", default: "3" },
    /** Lines per order (each an `order_lines` row): 0 times the `orders` table's commits alone. */
    lines: { type: "string", default: "2" },
    /** Commits paced as the orders consumer's group commit paces them under load; 0 for back to back. */
    "commits-per-second": { type: "string", default: "4" },
  },
});
const orders = Number(args.orders);
const batch = Number(args.batch);
const rate = Number(args.rate);
const segments = Number(args.segments);
const linesPerOrder = Number(args.lines);
const commitGapMs = Number(args["commits-per-second"]) > 0 ? 1000 / Number(args["commits-per-second"]) : 0;
const DAY_START = Date.parse("2026-06-01T00:00:00Z");

const orderAt = (n: number) => syntheticOrder(n, { start: DAY_START, rate, lines: linesPerOrder });

/**
 * A commit's orders, and one in ten of the commit before it again (redeliveries, which upsert
 * their rows): each commit reaches back before the newest row stored, as concurrent webhooks do.
 */
function commitOrders(start: number): number[] {
  const ids: number[] = [];
  for (let n = start; n < Math.min(orders, start + batch); n++) ids.push(n);
  for (let n = Math.max(0, start - batch); n < start; n += 10) ids.push(n);
  return ids;
}

async function runVariant(split: string) {
  const dir = mkdtempSync(join(tmpdir(), "metricsdash-o3-"));
  if (split === "default") delete process.env.QDB_CAIRO_O3_PARTITION_SPLIT_MIN_SIZE;
  else process.env.QDB_CAIRO_O3_PARTITION_SPLIT_MIN_SIZE = split;
  const server = await startQuestDbServer({ dir });
  try {
    for (const ddl of ORDER_TABLES) await server.db.exec(ddl);
    const sender = await server.db.sender();
    const pid = server.pid();
    if (!pid) throw new Error("QuestDB is not running");
    const scope = { platform: "shopify", shop: "o3.myshopify.com", receivedAt: new Date().toISOString() };
    const perSegment = Math.ceil(orders / segments);
    const rows: object[] = [];
    for (let segment = 0; segment < segments; segment++) {
      const cpuBefore = cpuSeconds(pid);
      const threadsBefore = threadCpuSeconds(pid);
      const startedAt = performance.now();
      const end = Math.min(orders, (segment + 1) * perSegment);
      let written = 0;
      for (let start = segment * perSegment; start < end; start += batch) {
        const due = performance.now() + commitGapMs;
        for (const n of commitOrders(start)) await writeOrderRows(sender, scope, orderAt(n));
        await sender.flush();
        written++;
        // Paced, each commit is the last one QuestDB has when it applies it: none is squashed with the next.
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      if (!(await walApplied(server.db, ["orders", "order_lines"], 600_000)))
        throw new Error("QuestDB did not apply the WAL within 10 minutes");
      const cpu = cpuSeconds(pid) - cpuBefore;
      const segmentOrders = end - segment * perSegment;
      rows.push({
        ordersInPartitionAtEnd: end,
        commits: written,
        seconds: Math.round((performance.now() - startedAt) / 100) / 10,
        questDbCpuMicrosPerOrder: Math.round((cpu * 1e6) / segmentOrders),
        byThreadPoolMicrosPerOrder: perEvent(
          threadCpuDelta(threadsBefore, threadCpuSeconds(pid)),
          segmentOrders,
        ),
      });
      console.log(JSON.stringify({ split, ...rows.at(-1) }));
    }
    await sender.close();
    return { split, segments: rows };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = {
  label: args.label,
  at: new Date().toISOString(),
  settings: {
    orders,
    batch,
    rate,
    segments,
    linesPerOrder,
    commitsPerSecond: Number(args["commits-per-second"]),
  },
  loadAverageAtStart: loadavg(),
  variants: [] as object[],
  loadAverageAtEnd: [] as number[],
};
for (const split of String(args.split).split(",")) results.variants.push(await runVariant(split));
results.loadAverageAtEnd = loadavg();
console.log(`results written to ${writeResults(String(args.label), results, new Date(results.at))}`);
