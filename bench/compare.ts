import { readFileSync } from "node:fs";
import { markdownReport } from "./report.ts";

/**
 * Before/after table from two results files: `node bench/compare.ts <before.json> <after.json>`;
 * with one file, that run's own table (as `npm run bench` prints it).
 * Rates on a shared machine move with its load; CPU per webhook (from /proc) moves with the code.
 */
type Results = {
  label: string;
  machine: { cores: number; loadAverageAtStart: number[] };
  baselines?: { bareHono: { perSecond: number }; rawJetStreamPublish: { perSecond: number } };
  max: {
    acceptedPerSecond: number;
    e2eOrdersPerSecond: number;
    httpLatencyMs: { p50: number; p99: number };
    freshnessMs: { p50: number; p99: number };
    cpuMicrosPerWebhook: Record<string, number>;
    rssPeakMb: Record<string, number>;
  };
  fixed?: { targetRate: number; acceptedPerSecond: number; freshnessMs: { p50: number; p99: number } }[];
  ratios?: { e2eVsRawJetStream: number; acceptedVsBareHono: number };
  backlog?: {
    events: number;
    drainSeconds: number;
    drainEventsPerSecond: number;
    processorsCpuMicrosPerEvent: number;
  };
};

export function compare(before: Results, after: Results): string {
  const row = (name: string, b: unknown, a: unknown) => `| ${name} | ${b ?? "–"} | ${a ?? "–"} |`;
  const cpu = (r: Results, k: string) => r.max.cpuMicrosPerWebhook[k];
  const total = (r: Results) => Object.values(r.max.cpuMicrosPerWebhook).reduce((x, y) => x + y, 0);
  const fixed = (r: Results, rate: number) => {
    const f = r.fixed?.find((x) => x.targetRate === rate);
    return f ? `${f.freshnessMs.p50} / ${f.freshnessMs.p99} (reached ${f.acceptedPerSecond}/s)` : undefined;
  };
  return [
    `| measure (${after.machine.cores} cores) | ${before.label} | ${after.label} |`,
    "| --- | --- | --- |",
    row(
      "load average at start (machine shared)",
      before.machine.loadAverageAtStart[0],
      after.machine.loadAverageAtStart[0],
    ),
    row("max accepted webhooks/s", before.max.acceptedPerSecond, after.max.acceptedPerSecond),
    row(
      "HTTP p50 / p99 at max (ms)",
      `${before.max.httpLatencyMs.p50} / ${before.max.httpLatencyMs.p99}`,
      `${after.max.httpLatencyMs.p50} / ${after.max.httpLatencyMs.p99}`,
    ),
    row("max orders/s end to end", before.max.e2eOrdersPerSecond, after.max.e2eOrdersPerSecond),
    row(
      "freshness p50 / p99 at max (ms)",
      `${before.max.freshnessMs.p50} / ${before.max.freshnessMs.p99}`,
      `${after.max.freshnessMs.p50} / ${after.max.freshnessMs.p99}`,
    ),
    row("freshness p50 / p99 at 100/s (ms)", fixed(before, 100), fixed(after, 100)),
    row("freshness p50 / p99 at 1,000/s (ms)", fixed(before, 1000), fixed(after, 1000)),
    row("CPU µs per webhook: ingest", cpu(before, "ingest"), cpu(after, "ingest")),
    row("CPU µs per webhook: processors", cpu(before, "processors"), cpu(after, "processors")),
    row("CPU µs per webhook: nats-server", cpu(before, "nats-server"), cpu(after, "nats-server")),
    row("CPU µs per webhook: QuestDB", cpu(before, "questdb"), cpu(after, "questdb")),
    row("CPU µs per webhook: all four", total(before), total(after)),
    row(
      "baseline raw JetStream publish msg/s",
      before.baselines?.rawJetStreamPublish.perSecond,
      after.baselines?.rawJetStreamPublish.perSecond,
    ),
    row(
      "baseline bare Hono req/s",
      before.baselines?.bareHono.perSecond,
      after.baselines?.bareHono.perSecond,
    ),
    row("end to end ÷ raw JetStream", before.ratios?.e2eVsRawJetStream, after.ratios?.e2eVsRawJetStream),
    row("accepted ÷ bare Hono", before.ratios?.acceptedVsBareHono, after.ratios?.acceptedVsBareHono),
    row(
      `drain ${before.backlog?.events.toLocaleString("en")} events (s, events/s)`,
      before.backlog && `${before.backlog.drainSeconds} s, ${before.backlog.drainEventsPerSecond}/s`,
      after.backlog && `${after.backlog.drainSeconds} s, ${after.backlog.drainEventsPerSecond}/s`,
    ),
    row(
      "processors CPU µs per backlog event",
      before.backlog?.processorsCpuMicrosPerEvent,
      after.backlog?.processorsCpuMicrosPerEvent,
    ),
  ].join("\n");
}

if (import.meta.main) {
  const [beforeFile, afterFile] = process.argv.slice(2);
  if (!beforeFile) throw new Error("usage: node bench/compare.ts <before.json> [after.json]");
  const read = (f: string) => JSON.parse(readFileSync(f, "utf8")) as Results;
  console.log(
    afterFile
      ? compare(read(beforeFile), read(afterFile))
      : markdownReport(read(beforeFile) as unknown as Record<string, unknown>),
  );
}
