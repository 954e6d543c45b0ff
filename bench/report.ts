/** The README table from a results file (bench/results/*.json). */

type Run = {
  acceptedPerSecond: number;
  httpLatencyMs: { p50: number; p99: number };
  e2eOrdersPerSecond: number;
  freshnessMs: { p50: number; p99: number; n: number };
  tileFreshnessMs?: { p50: number; p99: number; n: number; notSeen: number };
  rssPeakMb: Record<string, number>;
  cpuMicrosPerWebhook: Record<string, number>;
  targetRate: number | string;
};

export function markdownReport(results: Record<string, unknown>): string {
  const machine = results.machine as { cores: number; cpu: string; loadAverageAtStart: number[] };
  const baselines = results.baselines as
    | {
        bareHono: { perSecond: number; httpLatencyMs: { p50: number; p99: number } };
        rawJetStreamPublish: { perSecond: number };
      }
    | undefined;
  const max = results.max as Run | undefined;
  const fixed = (results.fixed as Run[] | undefined) ?? [];
  const ratios = results.ratios as Record<string, number> | undefined;
  const backlog = results.backlog as
    | {
        events: number;
        drainSeconds: number;
        drainEventsPerSecond: number;
        allRowsVisibleSeconds: number;
        processorsCpuMicrosPerEvent: number;
      }
    | undefined;
  const lines = [
    `Run \`${results.label}\` at ${results.at}: ${machine.cores} cores (${machine.cpu}), load average at start ${machine.loadAverageAtStart.join(" / ")}.`,
    "",
    "| measure | result | target |",
    "| --- | --- | --- |",
  ];
  if (max) {
    lines.push(
      `| max accepted webhooks/s (HTTP p50 / p99) | ${max.acceptedPerSecond} (${max.httpLatencyMs.p50} / ${max.httpLatencyMs.p99} ms) | |`,
      `| max orders/s end to end (rows in QuestDB) | ${max.e2eOrdersPerSecond} | ≥ 5,000 |`,
      `| freshness at max, p50 / p99 (200 OK → row queryable) | ${max.freshnessMs.p50} / ${max.freshnessMs.p99} ms | |`,
    );
  }
  for (const run of fixed) {
    lines.push(
      `| at ${run.targetRate}/s (reached ${run.acceptedPerSecond}/s): freshness p50 / p99 (HTTP p50 / p99) | ${run.freshnessMs.p50} / ${run.freshnessMs.p99} ms (${run.httpLatencyMs.p50} / ${run.httpLatencyMs.p99} ms) | ${run.targetRate === 1000 ? "p99 < 1,000 ms" : ""} |`,
    );
    const tile = run.tileFreshnessMs;
    if (tile)
      lines.push(
        `| at ${run.targetRate}/s: webhook → Live sales tile counts it, p50 / p99 (${tile.n} probes, ${tile.notSeen} not seen) | ${tile.p50} / ${tile.p99} ms | p99 < 1,000 ms |`,
      );
  }
  if (baselines) {
    lines.push(
      `| baseline: raw JetStream publish, same payloads | ${baselines.rawJetStreamPublish.perSecond} msg/s | |`,
      `| baseline: bare Hono POST route | ${baselines.bareHono.perSecond} req/s | |`,
    );
  }
  if (ratios) {
    lines.push(
      `| end to end ÷ raw JetStream publish | ${ratios.e2eVsRawJetStream} | ≥ 0.5 |`,
      `| accepted ÷ bare Hono | ${ratios.acceptedVsBareHono} | |`,
    );
  }
  if (max) {
    lines.push(
      `| peak RSS at max (MB) | ${Object.entries(max.rssPeakMb)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")} | |`,
    );
  }
  if (max) {
    lines.push(
      `| CPU per webhook at max (µs) | ${Object.entries(max.cpuMicrosPerWebhook)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")} | |`,
    );
  }
  if (backlog) {
    lines.push(
      `| drain a backlog of ${backlog.events.toLocaleString("en")} events | ${backlog.drainSeconds} s (${backlog.drainEventsPerSecond}/s; all rows visible at ${backlog.allRowsVisibleSeconds} s; processors ${backlog.processorsCpuMicrosPerEvent} µs CPU/event) | |`,
    );
  }
  const mb = (m: Record<string, number>) =>
    Object.entries(m)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
  const rest = (key: string) =>
    results[key] as { mb: Record<string, number>; loadAverage: number[] } | undefined;
  for (const [key, label] of [
    ["rssAtStartMb", "RSS at rest after start (MB)"],
    ["rssAfterLoadMb", "RSS at rest after the load (MB)"],
  ] as const) {
    const r = rest(key);
    if (r) lines.push(`| ${label}, load ${r.loadAverage[0]} | ${mb(r.mb)} | |`);
  }
  const skus = results.skus as
    | {
        skus: number;
        events: number;
        processorsPeakMb: number;
        processorsAtRestMb: number;
        processorsHeap?: { totalMb: number } | { error: string };
      }[]
    | undefined;
  for (const run of skus ?? []) {
    const heap =
      run.processorsHeap && "totalMb" in run.processorsHeap ? `; heap ${run.processorsHeap.totalMb} MB` : "";
    lines.push(
      `| processors RSS, ${run.events.toLocaleString("en")} events over ${run.skus.toLocaleString("en")} SKUs: peak / at rest | ${run.processorsPeakMb} / ${run.processorsAtRestMb} MB${heap} | flat |`,
    );
  }
  return lines.join("\n");
}
