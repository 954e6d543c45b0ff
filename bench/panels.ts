import type { Panel } from "@grafana/grafana-foundation-sdk/dashboard";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ALERTS_TABLE } from "../alerting/history.ts";
import { DASHBOARDS } from "../grafana/dashboards.ts";
import { renderQuery, type QueryContext } from "../grafana/interpolate.ts";
import { QuestDb, walApplied } from "../core/questdb.ts";
import { convertColdPartitions } from "../processors/retention/parquet.ts";
import { startStack } from "../services/stack.ts";
import { generateStore, storeShops, writeShops } from "./big-store.ts";
import { BENCH_HASH_KEY, BENCH_SECRET } from "./corpus.ts";
import { writeResults } from "./results-file.ts";

/**
 * `node bench/panels.ts [--orders-per-day 111111] [--shops 50] [--budget-seconds 600] [--labels 0.85]`:
 * a store of many shops (shipping labels for `--labels` of its orders) generated through ILP over 90 days (newest first, within a time budget), then every
 * dashboard panel's SQL rendered as Grafana and the QuestDB plugin render it, timed on QuestDB
 * (median of 5); then older days up to two years, the retention job's Parquet conversion, and the
 * same panels again plus each over a two-year range. Disk per year from `du` of the table dirs.
 */
const { values: args } = parseArgs({
  options: {
    "orders-per-day": { type: "string", default: "111111" },
    shops: { type: "string", default: "50" },
    skus: { type: "string", default: "100000" },
    "budget-seconds": { type: "string", default: "600" },
    /** Fewer hot days than 90 make runs of the same size comparable whatever the machine's load. */
    "hot-days": { type: "string", default: "90" },
    /** Leave QuestDB running with the store after timing (Ctrl-C stops it): for reading query plans. */
    keep: { type: "boolean", default: false },
    /**
     * Time the panels again on a store kept by `--keep` (its QuestDB URL): no generation, so SQL
     * before and after a change is compared on the very same rows.
     */
    "time-only": { type: "string" },
    "cold-days": { type: "string", default: "640" },
    "cold-orders-per-day": { type: "string", default: "2000" },
    "cold-budget-seconds": { type: "string", default: "180" },
    /** The share of orders with a shipping label (0 for none, as before this option). */
    labels: { type: "string", default: "0.85" },
    /** The share of orders with a Stripe capture (0 for none, as before this option). */
    payments: { type: "string", default: "0.9" },
    /** Time only the panels whose title contains one of these (comma-separated): for iterating on a few. */
    only: { type: "string" },
  },
});
const only = args.only?.split(",").map((title) => title.trim().toLowerCase());
const chosenPanel = (title: string) => !only || only.some((part) => title.toLowerCase().includes(part));
const log = (msg: string, extra: object = {}) =>
  console.log(`[panels ${new Date().toISOString().slice(11, 19)}] ${msg}`, JSON.stringify(extra));
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);

const dir = mkdtempSync(join(tmpdir(), "metricsdash-panels-"));
const timeOnly = args["time-only"];
const stack = timeOnly
  ? undefined
  : await startStack({
      dir,
      env: { SHOPIFY_API_SECRET: BENCH_SECRET, CUSTOMER_HASH_KEY: BENCH_HASH_KEY, LOG_LEVEL: "warn" },
    });
// The processors made the schema; from here only QuestDB works (the figures are its own).
await stack?.processors.stop();
await stack?.ingest.stop();
const db = stack?.db ?? new QuestDb(timeOnly!);
// The alerting worker, not started here, makes its table: Firing alerts is timed on it empty.
if (stack) await db.exec(ALERTS_TABLE);
const shops = storeShops(Number(args.shops));
const top = shops[0]!;

const WRITTEN = [
  "orders",
  "order_lines",
  "sales_facts",
  "sales_1m",
  "shops",
  "shipments",
  "label_orders",
  "tracking_events",
  "payments",
];
async function applied() {
  if (!(await walApplied(db, WRITTEN, 1_800_000)))
    throw new Error("QuestDB had not applied the generated rows after 30 minutes");
}

function range(from: string, now: number): Date {
  if (from === "now/d") return new Date(Math.floor(now / 86_400_000) * 86_400_000);
  const m = /^now-(\d+)([hd])$/.exec(from);
  if (!m) return new Date(now - 86_400_000);
  return new Date(now - Number(m[1]) * (m[2] === "h" ? 3_600_000 : 86_400_000));
}

const VARIABLES: Record<string, string | string[]> = {
  platform: ["shopify", "woocommerce"],
  shop: top.shop,
  shop_platform: top.platform,
  tz: top.tz,
  minor: "100",
  currency: top.currency,
  site: top.shop,
  processor: "stripe",
  ingest: "http://127.0.0.1:8080",
  /** Order journey's search box, empty as the dashboard opens (every order of the range). */
  order: "",
};
/** What a multi-value variable left at All holds: every value it lists. */
const ALL_VALUES: Record<string, string[]> = {
  platform: ["shopify", "woocommerce"],
  shop: shops.map((s) => s.shop),
  site: shops.map((s) => s.shop),
  processor: ["stripe", "paypal"],
};

/** The dashboard's variables as a viewer leaves them: multi-value ones at All, the others on the top shop. */
function variablesOf(dashboard: ReturnType<(typeof DASHBOARDS)[number]["build"]>) {
  const multi = (dashboard.templating?.list ?? []).filter((v) => v.multi || v.includeAll).map((v) => v.name!);
  const variables = { ...VARIABLES };
  for (const name of multi) variables[name] = ALL_VALUES[name] ?? variables[name]!;
  return { variables, allSelected: multi };
}

async function timePanels(spanDays?: number) {
  const now = Date.now();
  const out: { dashboard: string; panel: string; refId: string; medianMs?: number; error?: string }[] = [];
  for (const { file, build } of DASHBOARDS) {
    const dashboard = build();
    const { variables, allSelected } = variablesOf(dashboard);
    const from = spanDays
      ? new Date(now - spanDays * 86_400_000)
      : range(dashboard.time?.from ?? "now/d", now);
    for (const p of (dashboard.panels ?? []) as Panel[]) {
      for (const t of (p.targets ?? []) as unknown as { refId: string; rawSql?: string }[]) {
        if (!t.rawSql || !chosenPanel(p.title ?? "")) continue;
        const ctx: QueryContext = {
          from,
          to: new Date(now),
          // Over two years Grafana's interval passes the 3 h the renderer reproduces: a day, as at 1,000 px.
          maxDataPoints: spanDays ? 6000 : (p.maxDataPoints ?? 1000),
          minInterval: spanDays ? "1d" : p.interval,
          variables,
          allSelected,
        };
        const row = { dashboard: file, panel: p.title ?? "", refId: t.refId };
        try {
          const sql = renderQuery(t.rawSql, ctx);
          const times: number[] = [];
          for (let i = 0; i < 5; i++) {
            const started = performance.now();
            await db.exec(sql, { timeoutMs: 120_000 });
            times.push(performance.now() - started);
          }
          times.sort((a, b) => a - b);
          out.push({ ...row, medianMs: Math.round(times[2]! * 10) / 10 });
        } catch (err) {
          // Recorded, not hidden: a panel that cannot render or run here is a finding of its own.
          out.push({ ...row, error: String(err).slice(0, 300) });
        }
      }
    }
  }
  return out;
}

/**
 * `du -sk` of one directory. QuestDB purges superseded partition versions while du walks the tree:
 * du then says it could not read them and exits 1 with the total of what was left, which is the
 * figure wanted (a 90-day run ended here on such a vanished `sales_1h~23/…` directory).
 */
function duKb(path: string): number {
  const run = spawnSync("du", ["-sk", path], { encoding: "utf8" });
  const kb = Number(run.stdout.split("\t")[0]);
  if ((run.status !== 0 && run.status !== 1) || !Number.isFinite(kb) || run.stdout === "")
    throw new Error(`du -sk ${path} failed (${run.status}): ${run.stderr}`);
  if (run.status === 1)
    log("du skipped files that vanished while it read", { path, stderr: run.stderr.slice(0, 200) });
  return kb;
}

function du(): Record<string, number> {
  // What the store takes on disk: the tables written (but the shop directory) and the rollup views.
  const tables = [...WRITTEN.filter((t) => t !== "shops"), "sales_1h", "sales_1d"];
  const root = join(dir, "questdb", "db");
  const sizes: Record<string, number> = {};
  for (const name of execFileSync("ls", [root], { encoding: "utf8" }).split("\n")) {
    const table = tables.find((t) => name === t || name.startsWith(`${t}~`));
    if (!table) continue;
    const kb = duKb(join(root, name));
    sizes[table] = Math.round(((sizes[table] ?? 0) + kb / 1024) * 10) / 10;
  }
  return sizes;
}

/** The store, hot then cold, each timed: the whole run unless `--time-only`. */
async function generateAndTime() {
  await writeShops(db, shops);
  log("generating the hot 90 days", { ordersPerDay: args["orders-per-day"] });
  const hot = await generateStore(db, {
    shops: shops.length,
    skus: Number(args.skus),
    ordersPerDay: Number(args["orders-per-day"]),
    days: Number(args["hot-days"]),
    budgetMs: Number(args["budget-seconds"]) * 1000,
    labels: Number(args.labels),
    payments: Number(args.payments),
  });
  await applied();
  const count = async (sql: string) => Number((await db.exec<[number]>(sql)).dataset[0]?.[0]);
  results.hot = {
    ...hot,
    ordersRows: await count("SELECT count() FROM orders"),
    linesRows: await count("SELECT count() FROM order_lines"),
    sales1mRows: await count("SELECT count() FROM sales_1m"),
    shipmentsRows: await count("SELECT count() FROM shipments"),
    trackingRows: await count("SELECT count() FROM tracking_events"),
    paymentsRows: await count("SELECT count() FROM payments"),
    allAppliedSeconds: Math.round((Date.now() - Date.parse(results.at as string)) / 1000),
    diskMb: du(),
    loadAverage: load(),
  };
  log("hot store", results.hot as object);
  results.hotPanels = await timePanels();
  results.hotPanelsLoadAverage = load();
  log("hot panels timed");
  writeFileSync(join(dir, "partial.json"), JSON.stringify(results));

  const cold = await generateStore(db, {
    shops: shops.length,
    skus: Number(args.skus),
    ordersPerDay: Number(args["cold-orders-per-day"]),
    days: Number(args["cold-days"]),
    firstDayBack: 90,
    budgetMs: Number(args["cold-budget-seconds"]) * 1000,
    labels: Number(args.labels),
    payments: Number(args.payments),
  });
  await applied();
  const converted = await convertColdPartitions(db, 90);
  await applied();
  results.cold = { ...cold, converted, diskMb: du(), loadAverage: load() };
  log("cold history converted", results.cold as object);
  results.coldPanels = await timePanels();
  results.twoYearPanels = await timePanels(730);
  results.coldPanelsLoadAverage = load();
}

const results: Record<string, unknown> = { at: new Date().toISOString(), loadAverageAtStart: load(), args };
try {
  if (timeOnly) {
    results.reusedStore = timeOnly;
    results.panels = await timePanels();
    results.twoYearPanels = await timePanels(730);
    results.panelsLoadAverage = load();
  } else await generateAndTime();
} finally {
  log(`results written to ${writeResults("panels", results)}`);
  if (args.keep && stack) {
    log(`keeping the store: QuestDB at ${stack.questdbUrl}; Ctrl-C stops it`);
    await new Promise((resolve) => process.once("SIGINT", resolve));
  }
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
}
