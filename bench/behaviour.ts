import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { startStack } from "../services/stack.ts";
import { BENCH_ORIGIN, BENCH_SITE, benchBeacon, CLICKS_PER_BEACON, ROWS_PER_BEACON } from "./beacons.ts";
import { BENCH_HASH_KEY, BENCH_SECRET } from "./corpus.ts";
import { child, now, percentiles, ServiceSampler, sleep } from "./measure.ts";
import { TileProbe } from "./tile-probe.ts";

/**
 * Behaviour beacons end to end, against the same run's raw JetStream publish of the same canonical
 * batches: autocannon floods `POST /collect` for SECONDS (each beacon a fresh page view with 10
 * clicks and a scroll report, 12 rows), while an order webhook goes in every 200 ms and we time how
 * long until the Live sales "Orders today" tile's own SQL counts it — the separate BEHAVIOUR stream
 * must keep orders fresh under any flood. Then we wait until every accepted beacon's rows are in
 * QuestDB. Before the flood, the same orders alone give this machine's freshness without one.
 * Rate limits are raised out of the way: this measures the pipeline, not the limiter.
 * Usage: node bench/behaviour.ts [seconds] [connections]; results to bench/results/behaviour-*.json.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const [secondsArg = "15", connectionsArg = "50"] = process.argv.slice(2);
const SECONDS = Number(secondsArg);
const CONNECTIONS = Number(connectionsArg);
const ORDER_SHOP = "bench-fresh.myshopify.com";
const ORDER_EVERY_MS = 200;
const QUIET_MS = 8000;
const log = (what: string, data?: object) =>
  console.error(`[bench] ${what}${data ? " " + JSON.stringify(data) : ""}`);

const loadAtStart = loadavg();
/** The behaviour processor's settings under test, passed through from this process's environment. */
const KNOBS = Object.fromEntries(
  ["BEHAVIOUR_BATCH_MAX_WAIT_MS", "BEHAVIOUR_MAX_ROWS_PER_SECOND", "BEHAVIOUR_VIEW_REFRESH"].flatMap(
    (name) => (process.env[name] ? [[name, process.env[name]!]] : []),
  ),
);
const stack = await startStack({
  dir: mkdtempSync(join(tmpdir(), "metricsdash-bench-behaviour-")),
  env: {
    SHOPIFY_API_SECRET: BENCH_SECRET,
    CUSTOMER_HASH_KEY: BENCH_HASH_KEY,
    LOG_LEVEL: "warn",
    BEHAVIOUR_SITES: JSON.stringify({
      [BENCH_SITE]: { shop: "bench.myshopify.com", platform: "shopify", origins: [BENCH_ORIGIN] },
    }),
    BEHAVIOUR_CLIENT_RATE: "1000000000",
    BEHAVIOUR_SITE_RATE: "1000000000",
    SHOP_TIMEZONES: JSON.stringify({ [ORDER_SHOP]: "UTC" }),
    ...KNOBS,
  },
});

async function rowsLanded(): Promise<number> {
  const count = (table: string) => `(SELECT count() n FROM ${table})`;
  const [row] = await stack.db.rows(
    `SELECT c.n + v.n + s.n AS n FROM ${count("clicks")} c CROSS JOIN ${count("page_views")} v CROSS JOIN ${count("scrolls")} s`,
  );
  return Number(row?.n ?? 0);
}

log("baseline: raw JetStream publish of the canonical batch");
const raw = JSON.parse(
  await child([
    join(ROOT, "bench/raw-publish.ts"),
    stack.natsUrl,
    String(Math.min(SECONDS, 10)),
    "256",
    "interactions",
  ]),
) as { perSecond: number; bytes: number };
log("baseline", raw);

/** Orders alone for `ms`: the freshness this machine gives without a flood, for comparison. */
async function quietFreshness(ms: number) {
  const probe = new TileProbe(stack.db, stack.ingestUrl, ORDER_SHOP, ORDER_EVERY_MS);
  const end = now() + ms;
  const watching = probe.watch(() => now() >= end);
  const rows = probe.watch(
    () => now() >= end,
    0,
    () => probe.ordersRowCount(),
  );
  await probe.send(() => now() >= end);
  return {
    sent: probe.sentAt.length,
    refused: probe.refused,
    latencies: await watching,
    answered: probe.answeredMs,
    rows: await rows,
  };
}

log(`quiet: orders alone for ${QUIET_MS / 1000} s, one every ${ORDER_EVERY_MS} ms`);
const quiet = await quietFreshness(QUIET_MS);
log("quiet", percentiles(quiet.latencies));

/**
 * Where an order waits, sampled every 500 ms until stopped: transactions each table has committed
 * but QuestDB not yet applied (sequencerTxn − writerTxn). The orders tile reads sales_1m.
 */
function walBacklog(stop: () => boolean) {
  const tables = ["orders", "sales_1m", "page_views", "clicks", "scrolls"];
  const worst: Record<string, number> = {};
  const samples: Record<string, number[]> = {};
  const done = (async () => {
    while (!stop()) {
      const rows = await stack.db.rows(
        `SELECT name, writerTxn, sequencerTxn FROM wal_tables() WHERE name IN (${tables.map((t) => `'${t}'`).join(", ")})`,
      );
      for (const row of rows) {
        const name = String(row.name);
        const behind = Number(row.sequencerTxn) - Number(row.writerTxn);
        worst[name] = Math.max(worst[name] ?? 0, behind);
        (samples[name] ??= []).push(behind);
      }
      await sleep(500);
    }
    const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10;
    return {
      worst,
      mean: Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, mean(xs)])),
    };
  })();
  return done;
}

log(`flood: ${SECONDS} s, ${CONNECTIONS} connections, an order every ${ORDER_EVERY_MS} ms`);
const sampler = new ServiceSampler();
const started = now();
let flooding = true;
const probe = new TileProbe(stack.db, stack.ingestUrl, ORDER_SHOP, ORDER_EVERY_MS);
const orders = probe.send(() => !flooding);
const watching = probe.watch(() => !flooding, quiet.sent);
const rowsWatch = probe.watch(
  () => !flooding,
  quiet.sent,
  () => probe.ordersRowCount(),
);
const backlog = walBacklog(() => !flooding);
let accepted = 0;
const flood = autocannon({
  url: `${stack.behaviourUrl}/collect`,
  connections: CONNECTIONS,
  duration: SECONDS,
  requests: [
    {
      method: "POST",
      setupRequest: (request) => ({
        ...request,
        headers: { "content-type": "text/plain", origin: BENCH_ORIGIN },
        body: JSON.stringify(benchBeacon()),
      }),
      onResponse: (status) => {
        if (status === 202) accepted++;
      },
    },
  ],
});
const result = await flood;
const floodEnded = now();
flooding = false;
await orders;
const freshness = await watching;
const ordersRowFreshness = await rowsWatch;
const walTxnsBehind = await backlog;

const want = accepted * ROWS_PER_BEACON;
let landed = await rowsLanded();
while (landed < want && now() - floodEnded < 120_000) {
  await sleep(250);
  landed = await rowsLanded();
}
const done = now();
const usage = sampler.stop();
const perPointUs = Object.fromEntries(
  Object.entries(usage.cpuSeconds).map(([name, s]) => [name, Math.round((s * 1e6) / Math.max(1, landed))]),
);
const beaconsPerSecondEndToEnd = Math.round(landed / ROWS_PER_BEACON / ((done - started) / 1000));
const results = {
  at: new Date().toISOString(),
  machine: {
    loadAverageAtStart: loadAtStart.map((x) => Math.round(x * 100) / 100),
    loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
  },
  settings: {
    behaviourBatchMaxWaitMs: Number(process.env.BEHAVIOUR_BATCH_MAX_WAIT_MS ?? 1000),
    knobs: KNOBS,
    seconds: SECONDS,
    connections: CONNECTIONS,
    clicksPerBeacon: CLICKS_PER_BEACON,
    rowsPerBeacon: ROWS_PER_BEACON,
  },
  baseline: { rawJetStreamPublishPerSecond: Math.round(raw.perSecond), batchBytes: Math.round(raw.bytes) },
  ingest: {
    requests: result.requests.total,
    accepted,
    non2xx: result.non2xx,
    beaconsPerSecond: Math.round(accepted / ((floodEnded - started) / 1000)),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
  },
  endToEnd: {
    rowsExpected: want,
    rowsLanded: landed,
    beaconsPerSecond: beaconsPerSecondEndToEnd,
    pointsPerSecond: Math.round(landed / ((done - started) / 1000)),
    ofRawJetStream: Math.round((beaconsPerSecondEndToEnd / raw.perSecond) * 100) / 100,
    drainSeconds: Math.round((done - floodEnded) / 100) / 10,
  },
  cpuMicrosecondsPerPoint: perPointUs,
  /** CPU seconds each service used from the flood's start until the rows landed, over that wall time. */
  coresUsed: Object.fromEntries(
    Object.entries(usage.cpuSeconds).map(([name, s]) => [
      name,
      Math.round((s / ((done - started) / 1000)) * 100) / 100,
    ]),
  ),
  walTxnsBehindDuringFlood: walTxnsBehind,
  rssPeakMb: usage.rssPeakMb,
  ordersAlone: {
    sent: quiet.sent,
    refused: quiet.refused,
    freshnessMs: { ...percentiles(quiet.latencies), notSeen: quiet.sent - quiet.latencies.length },
    /** Until its `orders` row is visible: the processors' and QuestDB's part, without the tile's view. */
    ordersRowMs: percentiles(quiet.rows),
    ingestAnsweredMs: percentiles(quiet.answered),
  },
  ordersDuringFlood: {
    sent: probe.sentAt.length,
    refused: probe.refused,
    freshnessMs: { ...percentiles(freshness), notSeen: probe.sentAt.length - freshness.length },
    ordersRowMs: percentiles(ordersRowFreshness),
    ingestAnsweredMs: percentiles(probe.answeredMs),
  },
};
mkdirSync(join(ROOT, "bench/results"), { recursive: true });
const file = join(ROOT, `bench/results/behaviour-${results.at.slice(0, 19).replace(/:/g, "-")}.json`);
writeFileSync(file, JSON.stringify(results, null, 2) + "\n");
console.log(JSON.stringify(results, null, 2));
log(`wrote ${file}`);
await stack.stop();
