import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { startStack } from "../services/stack.ts";
import { BENCH_HASH_KEY, BENCH_SECRET } from "./corpus.ts";
import { ServiceSampler } from "./measure.ts";

/**
 * Behaviour beacons end to end: autocannon posts beacons (each a fresh page view with CLICKS clicks
 * and a scroll report) to `POST /collect` for SECONDS, then we wait until every accepted click is a
 * row in QuestDB. Prints beacons/s at ingest, clicks/s end to end and CPU per click per service.
 * Rate limits are raised out of the way: this measures the pipeline, not the limiter.
 * Usage: node bench/behaviour.ts [seconds] [connections].
 */
const [secondsArg = "10", connectionsArg = "50"] = process.argv.slice(2);
const SECONDS = Number(secondsArg);
const CLICKS = 10;
const ORIGIN = "https://bench-store.example";

const stack = await startStack({
  dir: mkdtempSync(join(tmpdir(), "metricsdash-bench-behaviour-")),
  env: {
    SHOPIFY_API_SECRET: BENCH_SECRET,
    CUSTOMER_HASH_KEY: BENCH_HASH_KEY,
    LOG_LEVEL: "warn",
    BEHAVIOUR_SITES: JSON.stringify({
      bench: { shop: "bench.myshopify.com", platform: "shopify", origins: [ORIGIN] },
    }),
    BEHAVIOUR_CLIENT_RATE: "1000000000",
    BEHAVIOUR_SITE_RATE: "1000000000",
  },
});

function beacon(): string {
  const now = Date.now();
  return JSON.stringify({
    site: "bench",
    session: randomBytes(12).toString("hex"),
    view: randomBytes(12).toString("hex"),
    seq: 0,
    path: "/products/mug",
    vw: 1280,
    vh: 800,
    start: now - 5000,
    sent: now,
    events: [
      ...Array.from({ length: CLICKS }, (_, i) => ({
        k: "click",
        at: now - 4000 + i,
        x: 100 + i,
        y: 200,
        sel: '[data-md-id="add-to-cart"]',
        nx: 0.25,
        ny: 0.5,
      })),
      { k: "scroll", at: now - 100, depth: 1800, height: 3000 },
    ],
  });
}

const sampler = new ServiceSampler();
const started = Date.now();
let accepted = 0;
const result = await autocannon({
  url: `${stack.ingestUrl}/collect`,
  connections: Number(connectionsArg),
  duration: SECONDS,
  requests: [
    {
      method: "POST",
      setupRequest: (request) => ({
        ...request,
        headers: { "content-type": "text/plain", origin: ORIGIN },
        body: beacon(),
      }),
      onResponse: (status) => {
        if (status === 202) accepted++;
      },
    },
  ],
});
const sent = Date.now();

const want = accepted * CLICKS;
let landed = 0;
while (landed < want && Date.now() - sent < 120_000) {
  landed = Number((await stack.db.exec("SELECT count() FROM clicks")).dataset[0]?.[0] ?? 0);
  if (landed < want) await new Promise((r) => setTimeout(r, 250));
}
const done = Date.now();
const usage = sampler.stop();
const perClickUs = Object.fromEntries(
  Object.entries(usage.cpuSeconds).map(([name, s]) => [name, Math.round((s * 1e6) / Math.max(1, landed))]),
);
console.log(
  JSON.stringify(
    {
      seconds: SECONDS,
      connections: Number(connectionsArg),
      requests: result.requests.total,
      accepted,
      non2xx: result.non2xx,
      beaconsPerSecond: Math.round(accepted / ((sent - started) / 1000)),
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
      clicksExpected: want,
      clicksLanded: landed,
      clicksPerSecondEndToEnd: Math.round(landed / ((done - started) / 1000)),
      drainSeconds: (done - sent) / 1000,
      cpuMicrosecondsPerClick: perClickUs,
      rssPeakMb: usage.rssPeakMb,
    },
    null,
    2,
  ),
);
await stack.stop();
