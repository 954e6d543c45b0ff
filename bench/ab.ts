import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { median } from "simple-statistics";

/**
 * Medians of interleaved runs (`--label ab-before-N` from the old code, `ab-after-N` from the new,
 * run alternately so both see the same machine): `node bench/ab.ts [results dir]`.
 */
type Run = {
  max: {
    acceptedPerSecond: number;
    e2eOrdersPerSecond: number;
    freshnessMs: { p50: number; p99: number };
    cpuMicrosPerWebhook: Record<string, number>;
  };
  ratios: { e2eVsRawJetStream: number; acceptedVsBareHono: number };
  baselines: { bareHono: { perSecond: number }; rawJetStreamPublish: { perSecond: number } };
};

const dir = process.argv[2] ?? new URL("results", import.meta.url).pathname;
const runs = (prefix: string) =>
  readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Run);
const before = runs("ab-before-");
const after = runs("ab-after-");
const m = (rs: Run[], pick: (r: Run) => number) => Math.round(median(rs.map(pick)) * 100) / 100;
const row = (name: string, pick: (r: Run) => number) =>
  `| ${name} | ${m(before, pick)} | ${m(after, pick)} |`;
const services = ["ingest", "processors", "nats-server", "questdb"];
console.log(
  [
    `| median of ${before.length} / ${after.length} interleaved runs | before | after |`,
    "| --- | --- | --- |",
    row("max accepted webhooks/s", (r) => r.max.acceptedPerSecond),
    row("max orders/s end to end", (r) => r.max.e2eOrdersPerSecond),
    row("freshness p99 at max (ms)", (r) => r.max.freshnessMs.p99),
    row("raw JetStream publish msg/s (same run)", (r) => r.baselines.rawJetStreamPublish.perSecond),
    row("bare Hono req/s (same run)", (r) => r.baselines.bareHono.perSecond),
    row("end to end ÷ raw JetStream", (r) => r.ratios.e2eVsRawJetStream),
    row("accepted ÷ bare Hono", (r) => r.ratios.acceptedVsBareHono),
    ...services.map((s) => row(`CPU µs per webhook: ${s}`, (r) => r.max.cpuMicrosPerWebhook[s] ?? NaN)),
    row("CPU µs per webhook: all four", (r) =>
      services.reduce((sum, s) => sum + (r.max.cpuMicrosPerWebhook[s] ?? 0), 0),
    ),
  ].join("\n"),
);
