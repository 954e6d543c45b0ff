import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Sender } from "@questdb/nodejs-client";
import { viewsRefreshed, walApplied, type QuestDb } from "../core/questdb.ts";
import { writeOrderRows } from "../processors/orders/rows.ts";
import { ORDER_TABLES } from "../processors/orders/schema.ts";
import { ReceiptLog, writeReceipt } from "../processors/receipts/receipts.ts";
import { WEBHOOK_RECEIPTS_TABLE } from "../processors/receipts/schema.ts";
import { ROLLUP_VIEWS } from "../processors/retention/schema.ts";
import { minuteOf, type SalesFact } from "../processors/sales/facts.ts";
import { writeFact, writeWindow } from "../processors/sales/rows.ts";
import { SALES_TABLES } from "../processors/sales/schema.ts";
import { aggregateWindows } from "../processors/sales/windows.ts";
import { startQuestDbServer } from "../services/questdb-server.ts";
import { machineShare, machineTicks } from "./machine-cpu.ts";
import { cpuSeconds, perEvent, sleep } from "./measure.ts";
import { threadCpuDelta, threadCpuSeconds } from "./questdb-threads.ts";
import { writeResults } from "./results-file.ts";
import { syntheticOrder } from "./synthetic-orders.ts";

/**
 * What each table's commits cost QuestDB on the live path, with nothing else on the machine's
 * cores: QuestDB alone, written at `--rate` orders a second in real time by the processors' own row
 * writers, as their consumers write under load — the orders consumer's group commit (orders and
 * order_lines in one request) every `ordersMs`, the sales consumer's two (its facts, then the
 * minutes they touch) every `salesMs`, webhook_receipts on their timer, the hourly and daily views
 * over `sales_1m`.
 * One in ten orders is delivered again in the next commit. Each variant leaves one part out or
 * changes a wait, on a QuestDB of its own after a warm-up, so a part's cost is the difference.
 *
 *   node bench/commit-mix.ts --variants pipeline,no-receipts,no-views,orders-1500 --seconds 30
 */
interface Mix {
  /** The orders consumer's wait between commits; 0 leaves orders and lines out. */
  ordersMs: number;
  /** The sales consumer's; 0 leaves sales_facts and sales_1m (and the views) out. */
  salesMs: number;
  /** `webhook_receipts`' own writes (processors/receipts); 0 leaves them out. */
  receiptsMs: number;
  /** Receipts in every orders commit instead, as before they had a timer of their own. */
  receiptsPerBatch?: boolean;
  /** The sales consumer's facts and minutes in one request instead of two. */
  salesOneRequest?: boolean;
  /** Facts held back and committed only this often (windows still every `salesMs`). */
  factsEveryMs?: number;
  views: boolean;
}
const PIPELINE: Mix = { ordersMs: 400, salesMs: 400, receiptsMs: ReceiptLog.EVERY_MS, views: true };
const VARIANTS: Record<string, Mix> = {
  pipeline: PIPELINE,
  "receipts-per-batch": { ...PIPELINE, receiptsMs: 0, receiptsPerBatch: true },
  "no-receipts": { ...PIPELINE, receiptsMs: 0 },
  "no-views": { ...PIPELINE, views: false },
  "orders-only": { ...PIPELINE, salesMs: 0, receiptsMs: 0, views: false },
  "sales-only": { ...PIPELINE, ordersMs: 0, receiptsMs: 0 },
  "orders-1500": { ...PIPELINE, ordersMs: 1500 },
  "orders-1500-sales-250": { ...PIPELINE, ordersMs: 1500, salesMs: 250 },
  "sales-one-request": { ...PIPELINE, salesOneRequest: true },
  "facts-every-2s": { ...PIPELINE, factsEveryMs: 2000 },
};

const { values: args } = parseArgs({
  options: {
    label: { type: "string", default: "commit-mix" },
    variants: { type: "string", default: Object.keys(VARIANTS).join(",") },
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "30" },
    warmup: { type: "string", default: "10" },
    lines: { type: "string", default: "2" },
  },
});
const rate = Number(args.rate);
const linesPerOrder = Number(args.lines);
const SHOP = { platform: "shopify", shop: "mix.myshopify.com" };
const unknown = String(args.variants)
  .split(",")
  .filter((name) => !VARIANTS[name]);
if (unknown.length) throw new Error(`unknown variant ${unknown.join(", ")}; known: ${Object.keys(VARIANTS)}`);

/** Orders made since the run's start, by wall clock: the live traffic a consumer finds waiting. */
class Traffic {
  private readonly start = Date.now();
  private made = 0;
  private readonly base: number;
  constructor(base: number) {
    this.base = base;
  }
  /** The ids of orders created since the last call. */
  take(): number[] {
    const due = Math.floor(((Date.now() - this.start) / 1000) * rate);
    const ids = Array.from({ length: due - this.made }, (_, i) => this.base + this.made + i);
    this.made = due;
    return ids;
  }
  order(n: number) {
    return syntheticOrder(n, { start: this.start - (this.base / rate) * 1000, rate, lines: linesPerOrder });
  }
}

/** One consumer's paced group commits until `until`: `write` gets the new ids and one in ten of the last commit's. */
async function commitLoop(
  waitMs: number,
  traffic: Traffic,
  until: number,
  write: (ids: number[]) => Promise<void>,
): Promise<number> {
  let commits = 0;
  let previous: number[] = [];
  while (Date.now() < until) {
    await sleep(waitMs);
    const fresh = traffic.take();
    const again = previous.filter((_, i) => i % 10 === 0);
    await write([...again, ...fresh]);
    previous = fresh;
    commits++;
  }
  return commits;
}

const orderWriter = (sender: Sender, traffic: Traffic, mix: Mix) => async (ids: number[]) => {
  const receivedAt = new Date().toISOString();
  for (const n of ids) await writeOrderRows(sender, { ...SHOP, receivedAt }, traffic.order(n));
  if (mix.receiptsPerBatch) await writeReceipt(sender, { ...SHOP, at: receivedAt, type: "order" });
  await sender.flush();
};

const receiptWriter = (sender: Sender) => async () => {
  await writeReceipt(sender, { ...SHOP, at: new Date().toISOString(), type: "order" });
  await sender.flush();
};

/** Facts first, then every minute they touch recomputed from the facts held (as the sales consumer does). */
function salesWriter(sender: Sender, traffic: Traffic, mix: Mix) {
  const held = new Map<number, Map<string, SalesFact>>();
  let unsent: SalesFact[] = [];
  let factsSentAt = 0;
  return async (ids: number[]) => {
    const facts: SalesFact[] = ids.map((n) => {
      const order = traffic.order(n);
      return {
        ...SHOP,
        kind: "order",
        id: order.orderId,
        orderId: order.orderId,
        at: order.createdAt,
        currency: order.currency,
        amountMinor: order.totalMinor,
        items: order.lines.reduce((sum, l) => sum + l.quantity, 0),
        test: false,
        updatedAt: order.updatedAt,
      };
    });
    unsent.push(...facts);
    if (Date.now() - factsSentAt >= (mix.factsEveryMs ?? 0)) {
      for (const fact of unsent) await writeFact(sender, fact);
      if (!mix.salesOneRequest) await sender.flush();
      unsent = [];
      factsSentAt = Date.now();
    }
    const minutes = new Set(facts.map((f) => minuteOf(f.at)));
    for (const fact of facts) {
      const minute = minuteOf(fact.at);
      held.set(minute, (held.get(minute) ?? new Map()).set(fact.id, fact));
    }
    const stored = [...minutes].flatMap((m) =>
      [...held.get(m)!.values()].map((f) => ({ ...f, at: Date.parse(f.at), orderId: f.orderId })),
    );
    for (const window of aggregateWindows(minutes, stored, new Map()))
      await writeWindow(sender, SHOP.platform, SHOP.shop, "USD", window);
    await sender.flush();
  };
}

/** Writes the mix for `seconds` from order `base` on; resolves once QuestDB applied all of it. */
async function phase(db: QuestDb, mix: Mix, seconds: number, base: number) {
  const traffic = new Traffic(base);
  const until = Date.now() + seconds * 1000;
  const senders: Sender[] = [];
  const loops: Promise<number>[] = [];
  if (mix.ordersMs) {
    const sender = await db.sender();
    senders.push(sender);
    loops.push(commitLoop(mix.ordersMs, traffic, until, orderWriter(sender, traffic, mix)));
  }
  if (mix.salesMs) {
    const sender = await db.sender();
    senders.push(sender);
    // The sales consumer reads the same messages: its own view of the traffic, same ids.
    const own = new Traffic(base);
    loops.push(commitLoop(mix.salesMs, own, until, salesWriter(sender, own, mix)));
  }
  if (mix.receiptsMs) {
    const sender = await db.sender();
    senders.push(sender);
    loops.push(commitLoop(mix.receiptsMs, new Traffic(base), until, receiptWriter(sender)));
  }
  const commits = await Promise.all(loops);
  for (const sender of senders) await sender.close();
  const tables = [
    ...(mix.ordersMs ? ["orders", "order_lines"] : []),
    ...(mix.receiptsMs || mix.receiptsPerBatch ? ["webhook_receipts"] : []),
    ...(mix.salesMs ? ["sales_facts", "sales_1m"] : []),
  ];
  if (!(await walApplied(db, tables, 600_000)))
    throw new Error("QuestDB did not apply the WAL in 10 minutes");
  if (mix.views && mix.salesMs && !(await viewsRefreshed(db, ["sales_1h", "sales_1d"], 600_000)))
    throw new Error("QuestDB did not refresh the views in 10 minutes");
  return { commits, orders: Math.floor(seconds * rate) };
}

async function runVariant(name: string) {
  const mix = VARIANTS[name]!;
  const dir = mkdtempSync(join(tmpdir(), "metricsdash-mix-"));
  const server = await startQuestDbServer({ dir });
  try {
    for (const ddl of [...ORDER_TABLES, ...SALES_TABLES, WEBHOOK_RECEIPTS_TABLE]) await server.db.exec(ddl);
    if (mix.views) for (const ddl of ROLLUP_VIEWS) await server.db.exec(ddl);
    const pid = server.pid();
    if (!pid) throw new Error("QuestDB is not running");
    // The JIT compiles QuestDB's hot paths in the first seconds: that is not a table's cost.
    await phase(server.db, mix, Number(args.warmup), 0);
    const cpuBefore = cpuSeconds(pid);
    const threadsBefore = threadCpuSeconds(pid);
    const machineBefore = machineTicks();
    const { commits, orders } = await phase(server.db, mix, Number(args.seconds), 100_000_000);
    const cpu = cpuSeconds(pid) - cpuBefore;
    const result = {
      variant: name,
      mix,
      orders,
      commitsPerConsumer: commits,
      questDbCpuMicrosPerOrder: Math.round((cpu * 1e6) / orders),
      questDbCpuPerSecond: Math.round((cpu / Number(args.seconds)) * 100) / 100,
      byThreadPoolMicrosPerOrder: perEvent(threadCpuDelta(threadsBefore, threadCpuSeconds(pid)), orders),
      machine: machineShare(machineBefore, machineTicks()),
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = {
  label: args.label,
  at: new Date().toISOString(),
  settings: { rate, seconds: Number(args.seconds), warmup: Number(args.warmup), linesPerOrder },
  loadAverageAtStart: loadavg(),
  variants: [] as object[],
  loadAverageAtEnd: [] as number[],
};
for (const name of String(args.variants).split(",")) results.variants.push(await runVariant(name));
results.loadAverageAtEnd = loadavg();
console.log(`results written to ${writeResults(String(args.label), results, new Date(results.at))}`);
