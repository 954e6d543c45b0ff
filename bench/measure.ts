import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { quantileSorted } from "simple-statistics";
import { sqlString, type QuestDb } from "../core/questdb.ts";
import { machineShare, machineTicks } from "./machine-cpu.ts";
import { statCpuSeconds, threadCpuDelta, threadCpuSeconds } from "./questdb-threads.ts";

/** Small measuring tools for the benchmark: percentiles, freshness probes, row counts, RSS. */

const ROOT = fileURLToPath(new URL("..", import.meta.url));

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

/** The load's request timeout (bench/load.ts) and the created_at second's rounding, with room to spare. */
const PROBE_SCAN_SLACK_MS = 15_000;

/**
 * Times probes from their 200 OK to the moment their `orders` row answers a query: polls QuestDB
 * every `intervalMs` for the probes still pending, so its resolution is about that interval. Every
 * poll is a query QuestDB compiles anew (its IN list differs): at 25 ms the polling cost QuestDB
 * 230–900 µs per webhook of the max run (bench/results/probes-*), so it polls half as often.
 */
export class FreshnessProbe {
  readonly latencies: number[] = [];
  private readonly pending = new Map<string, number>();
  private readonly db: QuestDb;
  private readonly shop: string;
  private readonly since: string;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(db: QuestDb, shop: string, since: number, intervalMs = 50) {
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

  /**
   * Where the scan starts: an order is created (to the second) before it is sent and answered within
   * the load's 10 s timeout, so its row is no older than its answer less `PROBE_SCAN_SLACK_MS`.
   * Scanning the whole run instead made the probe itself a large share of QuestDB's CPU per order.
   */
  private scanFrom(probes: [string, number][]): string {
    const earliest = Math.min(...probes.map(([, okAt]) => okAt)) - PROBE_SCAN_SLACK_MS;
    return new Date(Math.max(Date.parse(this.since), earliest)).toISOString();
  }

  private async poll(intervalMs: number): Promise<void> {
    while (this.running) {
      const probes = [...this.pending].slice(0, 400);
      if (probes.length) {
        const result = await this.db.exec<[string]>(
          `SELECT order_id FROM orders WHERE shop = ${sqlString(this.shop)}
           AND created_at >= ${sqlString(this.scanFrom(probes))}
           AND order_id IN (${probes.map(([id]) => sqlString(id)).join(",")})`,
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

export type ServiceName =
  "ingest" | "behaviour" | "processors" | "connect" | "alerting" | "nats-server" | "questdb";

/** Each service by the entry point on its command line. */
const ENTRY_POINTS: [ServiceName, string][] = [
  ["ingest", "ingest/main.ts"],
  ["behaviour", "ingest/behaviour/main.ts"],
  ["processors", "processors/main.ts"],
  ["connect", "connect/main.ts"],
  ["alerting", "alerting/main.ts"],
  ["nats-server", "nats-server"],
  ["questdb", "questdb"],
];

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
      const service = ENTRY_POINTS.find(([, entryPoint]) => cmd.includes(entryPoint));
      if (service) found.set(service[0], Number(entry));
    } catch {
      continue; // the process ended while we looked
    }
  }
  return found;
}

/** Resident memory of a process in MB (0 once it is gone). */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

/** CPU seconds by name → microseconds per event, rounded. */
export function perEvent(seconds: Record<string, number>, events: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(seconds).map(([k, v]) => [k, Math.round((v * 1e6) / Math.max(1, events))]),
  );
}

/** CPU seconds a process has used (utime + stime), 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    return statCpuSeconds(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return 0; // the process is gone
  }
}

/** Every service's resident memory now, MB (VmRSS of /proc/<pid>/status). */
export function rssNow(): Record<string, number> {
  return Object.fromEntries([...servicePids()].map(([name, pid]) => [name, rssMb(pid)]));
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
  private readonly questDbThreadsAtStart: Map<string, number>;
  private readonly machineAtStart = machineTicks();

  constructor() {
    this.pids = servicePids();
    for (const [name, pid] of this.pids) this.cpuAtStart.set(name, cpuSeconds(pid));
    this.questDbThreadsAtStart = this.questDbThreads();
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
  }

  private sample(): void {
    // The pids of now: a service restarted meanwhile is read from its new process (its CPU is not).
    for (const [name, pid] of servicePids()) {
      this.peakMb.set(name, Math.max(this.peakMb.get(name) ?? 0, rssMb(pid)));
    }
  }

  private questDbThreads(): Map<string, number> {
    const pid = this.pids.get("questdb");
    return pid ? threadCpuSeconds(pid) : new Map();
  }

  stop(): {
    rssPeakMb: Record<string, number>;
    cpuSeconds: Record<string, number>;
    questDbThreadCpuSeconds: Record<string, number>;
    machine: ReturnType<typeof machineShare>;
  } {
    clearInterval(this.timer);
    this.sample();
    const cpu: Record<string, number> = {};
    for (const [name, pid] of this.pids) {
      cpu[name] = Math.round((cpuSeconds(pid) - (this.cpuAtStart.get(name) ?? 0)) * 100) / 100;
    }
    return {
      rssPeakMb: Object.fromEntries(this.peakMb),
      cpuSeconds: cpu,
      questDbThreadCpuSeconds: threadCpuDelta(this.questDbThreadsAtStart, this.questDbThreads()),
      machine: machineShare(this.machineAtStart, machineTicks()),
    };
  }
}

/** Runs a bench script in its own Node process (so it competes with no one here); resolves with its stdout. */
export function child(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    proc.stdout.on("data", (d) => (out += d));
    proc.on("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(" ")} exited with ${code}`)),
    );
  });
}
