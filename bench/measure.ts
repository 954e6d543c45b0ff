import { readdirSync, readFileSync } from "node:fs";
import { quantileSorted } from "simple-statistics";
import { sqlString, type QuestDb } from "../core/questdb.ts";

/** Small measuring tools for the benchmark: percentiles, freshness probes, row counts, RSS. */

export const now = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number) => Math.round(x * 10) / 10;

export function percentiles(values: number[]): { n: number; p50: number; p99: number; max: number } {
  if (!values.length) return { n: 0, p50: NaN, p99: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: values.length,
    p50: round(quantileSorted(sorted, 0.5)),
    p99: round(quantileSorted(sorted, 0.99)),
    max: round(sorted[sorted.length - 1]!),
  };
}

/**
 * Times probes from their 200 OK to the moment their `orders` row answers a query: polls QuestDB
 * every `intervalMs` for the probes still pending, so its resolution is about that interval.
 */
export class FreshnessProbe {
  readonly latencies: number[] = [];
  private readonly pending = new Map<string, number>();
  private readonly db: QuestDb;
  private readonly shop: string;
  private readonly since: string;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(db: QuestDb, shop: string, since: number, intervalMs = 25) {
    this.db = db;
    this.shop = shop;
    this.since = new Date(since - 60_000).toISOString();
    this.loop = this.poll(intervalMs);
  }

  add(orderId: string, okAt: number): void {
    this.pending.set(orderId, okAt);
  }

  /** Waits for the pending probes (at most `timeoutMs`); returns how many never showed up. */
  async finish(timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size && Date.now() < deadline) await sleep(50);
    this.running = false;
    await this.loop;
    return this.pending.size;
  }

  private async poll(intervalMs: number): Promise<void> {
    while (this.running) {
      const ids = [...this.pending.keys()].slice(0, 400);
      if (ids.length) {
        const result = await this.db.exec<[string]>(
          `SELECT order_id FROM orders WHERE shop = ${sqlString(this.shop)} AND created_at >= ${sqlString(this.since)}
           AND order_id IN (${ids.map(sqlString).join(",")})`,
        );
        const seenAt = now();
        for (const [orderId] of result.dataset) {
          const okAt = this.pending.get(orderId);
          if (okAt === undefined) continue;
          this.latencies.push(seenAt - okAt);
          this.pending.delete(orderId);
        }
      }
      await sleep(intervalMs);
    }
  }
}

export async function orderCount(db: QuestDb, shop: string): Promise<number> {
  const result = await db.exec<[number]>(`SELECT count() FROM orders WHERE shop = ${sqlString(shop)}`);
  return Number(result.dataset[0]?.[0] ?? 0);
}

/** Polls until `shop` has `expected` order rows; resolves with the instant the last one was seen. */
export async function waitForRows(
  db: QuestDb,
  shop: string,
  expected: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await orderCount(db, shop);
    if (count >= expected) return now();
    if (Date.now() > deadline)
      throw new Error(`${shop}: ${count} of ${expected} order rows after ${timeoutMs} ms`);
    await sleep(100);
  }
}

export type ServiceName = "ingest" | "processors" | "nats-server" | "questdb";

/** Our services are child processes of the benchmark; find them by their command lines. */
export function servicePids(): Map<ServiceName, number> {
  const found = new Map<ServiceName, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== process.pid) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmd.includes("ingest/main.ts")) found.set("ingest", Number(entry));
      else if (cmd.includes("processors/main.ts")) found.set("processors", Number(entry));
      else if (cmd.includes("nats-server")) found.set("nats-server", Number(entry));
      else if (cmd.includes("questdb")) found.set("questdb", Number(entry));
    } catch {
      continue; // the process ended while we looked
    }
  }
  return found;
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime (fields 14 and 15 of stat) in clock ticks of 1/100 s on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Samples each service's resident memory once a second (keeps the peak) and counts the CPU time
 * each used between start and stop: CPU per webhook holds up on a busy machine where rates don't.
 */
export class ServiceSampler {
  readonly peakMb = new Map<ServiceName, number>();
  private readonly cpuAtStart = new Map<ServiceName, number>();
  private readonly pids: Map<ServiceName, number>;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.pids = servicePids();
    for (const [name, pid] of this.pids) this.cpuAtStart.set(name, cpuSeconds(pid));
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
  }

  private sample(): void {
    for (const [name, pid] of this.pids) {
      this.peakMb.set(name, Math.max(this.peakMb.get(name) ?? 0, rssMb(pid)));
    }
  }

  stop(): { rssPeakMb: Record<string, number>; cpuSeconds: Record<string, number> } {
    clearInterval(this.timer);
    this.sample();
    const cpu: Record<string, number> = {};
    for (const [name, pid] of this.pids) {
      cpu[name] = Math.round((cpuSeconds(pid) - (this.cpuAtStart.get(name) ?? 0)) * 100) / 100;
    }
    return { rssPeakMb: Object.fromEntries(this.peakMb), cpuSeconds: cpu };
  }
}
