import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { fork, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { EVENTS_STREAM } from "../core/nats.ts";
import { startStack, type Stack } from "../services/stack.ts";
import { BENCH_HASH_KEY, BENCH_SECRET, OrderWebhooks } from "./corpus.ts";
import type { LoadMessage, LoadResult, LoadSpec } from "./load.ts";
import {
  child,
  FreshnessProbe,
  now,
  percentiles,
  perEvent,
  rssNow,
  ServiceSampler,
  servicePids,
  sleep,
  waitForRows,
} from "./measure.ts";
import { snapshotSummary } from "./heap-summary.ts";
import { summariseRecording } from "./jfr-summary.ts";
import { profileService, summariseProfiles } from "./profile.ts";
import { markdownReport } from "./report.ts";
import { TileProbe } from "./tile-probe.ts";

/**
 * `npm run bench`: brings the pipeline up on free ports (services/stack.ts), measures the baselines,
 * the pipeline at its maximum and at fixed rates, freshness, memory and a backlog drain, and writes
 * bench/results/<label>-<time>.json plus a Markdown table. See bench/README section in README.md.
 */
const { values: args } = parseArgs({
  options: {
    label: { type: "string", default: "run" },
    seconds: { type: "string", default: "20" },
    connections: { type: "string", default: "50" },
    backlog: { type: "string", default: "1000000" },
    /** Every n-th webhook is sent twice (10 = 10 % redeliveries); 0 for none. */
    "redeliver-every": { type: "string", default: "10" },
    /** At the maximum rate, every n-th new order is timed to its row (its polling costs QuestDB CPU too). */
    "probe-every": { type: "string", default: "20" },
    profile: { type: "boolean", default: false },
    /** After each SKU-count drain, a heap snapshot of the processors, summarised into the results. */
    "heap-snapshots": { type: "boolean", default: false },
    "skip-baselines": { type: "boolean", default: false },
    "skip-fixed": { type: "boolean", default: false },
    /** Backlogs of this many events, one per SKU count below (processors' RSS against SKUs sold). */
    "sku-backlog-events": { type: "string", default: "50000" },
    /** Comma-separated SKU counts, e.g. 1000,100000; empty for none. */
    "sku-counts": { type: "string", default: "" },
  },
});
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RESULTS = join(ROOT, "bench", "results");
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const backlog = Number(args.backlog);
const redeliverEvery = Number(args["redeliver-every"]);
const log = (msg: string, extra: object = {}) =>
  console.log(
    `[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`,
    Object.keys(extra).length ? JSON.stringify(extra) : "",
  );

/** A shop of its own, an order every 200 ms beside a fixed-rate run: webhook → Live sales tile. */
const TILE_SHOP = "bench-tile.myshopify.com";
const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
const profileDir = join(RESULTS, "profiles", `${args.label}-${stamp}`);
if (args.profile) mkdirSync(profileDir, { recursive: true });
const snapshotDir = join(RESULTS, "heap", `${args.label}-${stamp}`);
if (args["heap-snapshots"]) mkdirSync(snapshotDir, { recursive: true });
const nodeOptions = [
  ...(args.profile ? [`--cpu-prof --cpu-prof-dir=${profileDir}`] : []),
  ...(args["heap-snapshots"] ? [`--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${snapshotDir}`] : []),
].join(" ");

// QuestDB's side of the profile: a flight recording for its whole life, read back after the stack stops.
const questDbRecording = join(profileDir, "questdb.jfr");
if (args.profile)
  process.env.QUESTDB_JVM_OPTIONS = [
    process.env.QUESTDB_JVM_OPTIONS ?? "",
    `-XX:StartFlightRecording=filename=${questDbRecording},settings=profile,dumponexit=true`,
  ].join(" ");

const dir = mkdtempSync(join(tmpdir(), "metricsdash-bench-"));
const loadAtStart = loadavg();
log("starting the stack", { dir, profile: args.profile });
const stack: Stack = await startStack({
  dir,
  // Every service start runs, so each one's memory at rest and under load is measured.
  alerting: true,
  env: {
    SHOPIFY_API_SECRET: BENCH_SECRET,
    CUSTOMER_HASH_KEY: BENCH_HASH_KEY,
    STORE_WEBHOOK_KEY: randomBytes(24).toString("base64url"),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    CONNECT_PUBLIC_URL: "https://connect.example",
    LOG_LEVEL: "warn",
    SHOP_TIMEZONES: JSON.stringify({ [TILE_SHOP]: "UTC" }),
    ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
  },
});
const webhookUrl = `${stack.ingestUrl}/webhooks/shopify`;
let idBase = 0;
let totalAccepted = 0;
let drainProfile: { before: Set<string>; events: number } | undefined;

/** Runs the load worker; probes go to `onProbe`. */
function load(
  spec: Omit<LoadSpec, "idBase" | "probeEvery"> & { probeEvery?: number },
  onProbe?: (orderId: string, okAt: number) => void,
): Promise<LoadResult> {
  const full: LoadSpec = { probeEvery: 1_000_000_000, ...spec, idBase };
  idBase += 100_000_000; // ids of separate phases never meet
  return new Promise((resolve, reject) => {
    const worker = fork(join(ROOT, "bench/load.ts"), [], {
      env: { ...process.env, BENCH_LOAD_SPEC: JSON.stringify(full) },
    });
    worker.on("message", (message: LoadMessage) => {
      if (message.kind === "probes") for (const [id, at] of message.probes) onProbe?.(id, at);
      else resolve(message.result);
    });
    worker.on("error", reject);
    worker.on("exit", (code) => code && reject(new Error(`load generator exited with ${code}`)));
  });
}

/**
 * A run against the pipeline: load, then wait for every accepted order's row. With `tile`, the tile
 * probe's shop gets an order every 200 ms beside the load, timed until the Live sales tile counts it.
 */
async function pipelineRun(
  name: string,
  opts: { rate?: number; seconds: number; probeEvery: number; tile?: boolean },
) {
  const shop = `bench-${name}.myshopify.com`;
  const started = now();
  const probe = new FreshnessProbe(stack.db, shop, Date.now());
  const rss = new ServiceSampler();
  let loading = true;
  const tile = opts.tile ? tileProbe(() => !loading) : undefined;
  const result = await load(
    {
      url: webhookUrl,
      shop,
      connections,
      seconds: opts.seconds,
      ...(opts.rate ? { rate: opts.rate } : {}),
      probeEvery: opts.probeEvery,
      redeliverEvery,
    },
    (id, at) => probe.add(id, at),
  ).finally(() => (loading = false));
  const tileFreshness = await tile;
  totalAccepted += result.accepted;
  const orders = result.accepted - result.acceptedRedeliveries;
  const lastRow = await waitForRows(stack.db, shop, orders, 300_000);
  const lost = await probe.finish();
  const exact = await reconcile(shop, orders, result.issuedOrders);
  const { rssPeakMb, cpuSeconds, questDbThreadCpuSeconds, machine } = rss.stop();
  const e2eSeconds = (lastRow - started) / 1000;
  const summary = {
    targetRate: opts.rate ?? "max",
    seconds: Math.round(result.seconds * 10) / 10,
    accepted: result.accepted,
    acceptedRedeliveries: result.acceptedRedeliveries,
    reconciled: exact,
    rejected: result.non2xx + result.errors + result.timeouts,
    acceptedPerSecond: Math.round(result.accepted / result.seconds),
    httpLatencyMs: result.latencyMs,
    e2eSeconds: Math.round(e2eSeconds * 10) / 10,
    e2eOrdersPerSecond: Math.round(orders / e2eSeconds),
    freshnessMs: { ...percentiles(probe.latencies), lost },
    ...(tileFreshness ? { tileFreshnessMs: tileFreshness } : {}),
    rssPeakMb,
    cpuSeconds,
    // CPU each service spent per accepted webhook, from the load's start until the last row showed.
    cpuMicrosPerWebhook: perEvent(cpuSeconds, result.accepted),
    questDbThreadCpuMicrosPerWebhook: perEvent(questDbThreadCpuSeconds, result.accepted),
    // Runs on a shared host differ most in what the hypervisor took: read it beside the figures.
    machine,
  };
  log(`${name} done`, summary);
  return summary;
}

/** Starts the tile probe until `until()`; resolves with its freshness once every order is counted. */
async function tileProbe(until: () => boolean) {
  const probe = new TileProbe(stack.db, stack.ingestUrl, TILE_SHOP);
  const base = await probe.tileCount();
  const [, latencies] = await Promise.all([probe.send(until), probe.watch(until, base)]);
  return {
    ...percentiles(latencies),
    sent: probe.sentAt.length,
    notSeen: probe.sentAt.length - latencies.length,
  };
}

/**
 * Every order exactly once: `orders` rows and the orders the Live sales minutes count (each bench
 * order is a sale) agree, and lie between the orders answered 200 and the orders sent (autocannon
 * stops counting with requests in flight, which ingest may still accept). Waits until both are
 * equal and still, up to a minute.
 */
async function reconcile(shop: string, accepted: number, issued: number) {
  const count = async (sql: string) => Number((await stack.db.exec<[number]>(sql)).dataset[0]?.[0] ?? 0);
  const deadline = Date.now() + 60_000;
  let rows: number;
  let sales: number;
  let previous = -1;
  for (;;) {
    rows = await count(`SELECT count() FROM orders WHERE shop = '${shop}'`);
    sales = await count(`SELECT sum(orders) FROM sales_1m WHERE shop = '${shop}'`);
    if ((rows === sales && rows === previous) || Date.now() > deadline) break;
    previous = rows === sales ? rows : -1;
    await sleep(1000);
  }
  return {
    acceptedOrders: accepted,
    issuedOrders: issued,
    rows,
    salesOrders: sales,
    lost: Math.max(0, accepted - rows, accepted - sales),
    doubled: Math.max(0, rows - issued, sales - issued),
    exact: rows === sales && rows >= accepted && rows <= issued,
  };
}

async function bareHono(secondsToRun: number) {
  const proc = spawn(process.execPath, [join(ROOT, "bench/bare-hono.ts"), "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve) =>
    proc.stdout.once("data", (d) => resolve(JSON.parse(String(d)).port)),
  );
  try {
    const result = await load({
      url: `http://127.0.0.1:${port}/webhooks/shopify`,
      shop: "bench-bare.myshopify.com",
      connections,
      seconds: secondsToRun,
    });
    return { perSecond: Math.round(result.accepted / result.seconds), httpLatencyMs: result.latencyMs };
  } finally {
    proc.kill("SIGTERM");
  }
}

/** Every service's RSS after `idleMs` without load: what each holds at rest. */
async function rssAtRest(idleMs: number) {
  await sleep(idleMs);
  return { mb: rssNow(), loadAverage: loadavg().map((x) => Math.round(x * 100) / 100) };
}

async function drainBacklog(count: number, shop = "bench-backlog.myshopify.com", skus = 0) {
  log(`backlog: stopping processors, publishing ${count} events`, { shop, skus });
  await stack.processors.stop();
  const published = JSON.parse(
    await child([join(ROOT, "bench/backlog-publish.ts"), stack.natsUrl, String(count), shop, String(skus)]),
  );
  log("backlog published", published);
  const nc = await connect({ servers: stack.natsUrl });
  const jsm = await jetstreamManager(nc);
  const started = now();
  // The drain's processors write their profile when they exit: among the files that appear after this.
  if (args.profile) drainProfile = { before: new Set(readdirSync(profileDir)), events: count };
  await stack.processors.start();
  const rss = new ServiceSampler();
  let drainedAt: number;
  let restarts = 0;
  for (;;) {
    // A replica that exits is started again, as `start`'s supervisor does; the run says how often.
    if (!stack.processors.running) {
      if (++restarts > 3) throw new Error(`processors exited ${restarts} times during the drain`);
      log("processors exited during the drain: starting them again", { restarts });
      await stack.processors.start();
    }
    // Every durable consumer of the stream (orders, and whatever else processors/main.ts runs).
    let left = 0;
    for await (const info of jsm.consumers.list(EVENTS_STREAM))
      left += info.num_pending + info.num_ack_pending;
    if (left === 0) {
      drainedAt = now();
      break;
    }
    await sleep(250);
  }
  const { cpuSeconds, rssPeakMb, questDbThreadCpuSeconds, machine } = rss.stop();
  const visibleAt = await waitForRows(stack.db, shop, count, 900_000);
  await nc.close();
  const drainSeconds = (drainedAt - started) / 1000;
  const summary = {
    events: count,
    publish: published,
    processorRestarts: restarts,
    drainSeconds: Math.round(drainSeconds * 10) / 10,
    drainEventsPerSecond: Math.round(count / drainSeconds),
    allRowsVisibleSeconds: Math.round(((visibleAt - started) / 1000) * 10) / 10,
    rssPeakMb,
    cpuSeconds,
    processorsCpuMicrosPerEvent: Math.round(((cpuSeconds.processors ?? 0) * 1e6) / count),
    questDbThreadCpuMicrosPerEvent: perEvent(questDbThreadCpuSeconds, count),
    machine,
  };
  log("backlog drained", summary);
  return summary;
}

const results: Record<string, unknown> = {
  label: args.label,
  at: new Date().toISOString(),
  machine: {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    loadAverageAtStart: loadAtStart.map((x) => Math.round(x * 100) / 100),
  },
  settings: { seconds, connections, payloadBytes: new OrderWebhooks("x", 0).bytes, profile: args.profile },
};
try {
  results.rssAtStartMb = await rssAtRest(15_000);
  log("RSS at rest after start", results.rssAtStartMb as object);
  log("warm-up");
  await pipelineRun("warmup", { seconds: 5, probeEvery: 1_000_000 });

  if (!args["skip-baselines"]) {
    log("baseline: bare Hono POST route");
    const hono = await bareHono(Math.min(seconds, 15));
    log("baseline: raw JetStream publish");
    const raw = JSON.parse(
      await child([join(ROOT, "bench/raw-publish.ts"), stack.natsUrl, String(Math.min(seconds, 15)), "256"]),
    );
    results.baselines = {
      bareHono: hono,
      rawJetStreamPublish: {
        perSecond: Math.round(raw.perSecond),
        inFlight: raw.inFlight,
        bytes: Math.round(raw.bytes),
      },
    };
    log("baselines", results.baselines as object);
  }

  log("max: as fast as ingest answers");
  const max = await pipelineRun("max", { seconds, probeEvery: Number(args["probe-every"]) });
  results.max = max;

  if (!args["skip-fixed"] && !args.profile) {
    results.fixed = [
      await pipelineRun("rate100", { rate: 100, seconds: 15, probeEvery: 2 }),
      await pipelineRun("rate1000", { rate: 1000, seconds: 15, probeEvery: 10, tile: true }),
    ];
  }
  if (results.baselines) {
    const b = results.baselines as {
      bareHono: { perSecond: number };
      rawJetStreamPublish: { perSecond: number };
    };
    results.ratios = {
      acceptedVsBareHono: Math.round((max.acceptedPerSecond / b.bareHono.perSecond) * 100) / 100,
      e2eVsRawJetStream: Math.round((max.e2eOrdersPerSecond / b.rawJetStreamPublish.perSecond) * 100) / 100,
      acceptedVsRawJetStream:
        Math.round((max.acceptedPerSecond / b.rawJetStreamPublish.perSecond) * 100) / 100,
    };
  }
  results.rssAfterLoadMb = await rssAtRest(15_000);
  log("RSS at rest after the load", results.rssAfterLoadMb as object);
  if (backlog > 0) results.backlog = await drainBacklog(backlog);
  const skuCounts = args["sku-counts"] ? args["sku-counts"].split(",").map(Number) : [];
  if (skuCounts.length) {
    const events = Number(args["sku-backlog-events"]);
    results.skus = [];
    for (const skus of skuCounts) {
      // Each drain restarts the processors: their RSS is that of one SKU count, not the sum.
      const drained = await drainBacklog(events, `bench-skus-${skus}.myshopify.com`, skus);
      const atRest = await rssAtRest(15_000);
      const pid = servicePids().get("processors");
      // A failed snapshot is recorded, not fatal: the run's other figures are still written.
      const heap =
        args["heap-snapshots"] && pid
          ? await snapshotSummary(pid, snapshotDir).catch((err: unknown) => {
              log("heap snapshot failed", { error: String(err) });
              return { error: String(err) };
            })
          : undefined;
      (results.skus as object[]).push({
        skus,
        events,
        processorsPeakMb: drained.rssPeakMb.processors,
        processorsAtRestMb: atRest.mb.processors,
        loadAverage: atRest.loadAverage,
        ...(heap ? { processorsHeap: heap } : {}),
      });
      log(`processors after ${skus} SKUs`, (results.skus as object[]).at(-1)!);
    }
  }
} finally {
  results.machine = {
    ...(results.machine as object),
    loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
  };
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}

if (args.profile) {
  // The profiles cover the services' whole lives; every webhook they saw went through the pipeline runs.
  // The processors started for the drain saw only the backlog: their profile is summarised per event of it.
  const files = readdirSync(profileDir).filter((f) => f.endsWith(".cpuprofile"));
  const drainFiles = files.filter(
    (f) => drainProfile && !drainProfile.before.has(f) && profileService(profileDir, f) === "processors",
  );
  const pipelineFiles = files.filter((f) => !drainFiles.includes(f));
  results.profiles = summariseProfiles(profileDir, pipelineFiles, totalAccepted);
  if (drainProfile) results.drainProfile = summariseProfiles(profileDir, drainFiles, drainProfile.events);
  // QuestDB's recording covers its whole life: pipeline runs and the drain together.
  results.questDbProfile = await summariseRecording(questDbRecording);
}
mkdirSync(RESULTS, { recursive: true });
const file = join(RESULTS, `${args.label}-${stamp}.json`);
writeFileSync(file, JSON.stringify(results, null, 2) + "\n");
console.log(markdownReport(results));
log(`results written to ${file}`);
