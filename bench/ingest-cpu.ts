import { readFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startNatsServer } from "../services/nats-server.ts";
import { freePort, waitFor } from "../services/ports.ts";
import { spawnServer, stopProcess } from "../services/process.ts";
import { BENCH_HASH_KEY, BENCH_SECRET, OrderWebhooks, type BenchWebhook } from "./corpus.ts";
import { summariseProfile } from "./profile.ts";

/**
 * CPU that ingest spends per webhook, read from /proc for the ingest processes alone (primary and
 * workers), so it holds on a machine that other work shares: throughput there follows the machine,
 * CPU per request follows the code. Runs `ingest/main.ts` of each `--root` (e.g. a checkout of the
 * code before a change, then this one) against one real nats-server, alternately `--rounds` times,
 * with the same ≈ 9 KB signed Shopify orders plus `--redeliveries` of them sent again.
 *
 *   node bench/ingest-cpu.ts --root /tmp/before --root . --requests 5000 --rounds 3 [--profile]
 */
const { values: args } = parseArgs({
  options: {
    root: { type: "string", multiple: true, default: ["."] },
    requests: { type: "string", default: "5000" },
    rounds: { type: "string", default: "2" },
    concurrency: { type: "string", default: "32" },
    redeliveries: { type: "string", default: "0.1" },
    workers: { type: "string", default: "1" },
    profile: { type: "boolean", default: false },
    label: { type: "string", default: "ingest-cpu" },
  },
});
const HERE = fileURLToPath(new URL("..", import.meta.url));
const requests = Number(args.requests);
const concurrency = Number(args.concurrency);
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

const dir = mkdtempSync(join(tmpdir(), "metricsdash-ingest-cpu-"));
const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
/** Profiles are kept (git-ignored) to be opened in Chrome DevTools or read again. */
const profiles = join(HERE, "bench/results/profiles", `${args.label}-${stamp}`);
const nats = await startNatsServer({ dir });

/** utime + stime in seconds of `pid` and every process below it (cluster workers). */
function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  const children = new Map<number, number[]>();
  const stats = new Map<number, string[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      stats.set(Number(entry), fields);
      const ppid = Number(fields[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      continue; // ended while we looked
    }
  }
  const walk = (p: number) => {
    const f = stats.get(p);
    if (f) ticks += Number(f[11]) + Number(f[12]);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return ticks / TICKS_PER_SECOND;
}

function post(agent: Agent, port: number, webhook: BenchWebhook): Promise<number> {
  return new Promise((done, fail) => {
    const req = request(
      { agent, host: "127.0.0.1", port, path: "/webhooks/shopify", method: "POST", headers: webhook.headers },
      (res) => {
        res.resume();
        res.on("end", () => done(res.statusCode ?? 0));
      },
    );
    req.on("error", fail);
    req.end(webhook.body);
  });
}

async function round(root: string, index: number) {
  const port = await freePort();
  const profileDir = join(profiles, String(index));
  if (args.profile) mkdirSync(profileDir, { recursive: true });
  const child = spawnServer(
    process.execPath,
    [...(args.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []), join(root, "ingest/main.ts")],
    {
      ...process.env,
      NATS_URL: nats.url,
      INGEST_PORT: String(port),
      INGEST_WORKERS: args.workers,
      SHOPIFY_API_SECRET: BENCH_SECRET,
      CUSTOMER_HASH_KEY: BENCH_HASH_KEY,
      LOG_LEVEL: "warn",
    },
    join(dir, `ingest-${index}.log`),
  );
  const ready = async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
    } catch {
      return false;
    }
  };
  await waitFor("ingest /readyz", ready, 60_000);
  // The bodies are made before the clock starts; redeliveries repeat an earlier webhook exactly.
  const corpus = new OrderWebhooks(`bench-cpu-${index}.myshopify.com`, index * 10_000_000);
  const fresh = Array.from({ length: requests }, () => corpus.next());
  const redeliver = Math.round(requests * Number(args.redeliveries));
  const all = [...fresh, ...fresh.slice(0, redeliver)];
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  // Warm-up: JIT and connections, not counted.
  const warm = new OrderWebhooks(`bench-warm-${index}.myshopify.com`, index * 10_000_000 + 5_000_000);
  await Promise.all(Array.from({ length: 500 }, () => post(agent, port, warm.next())));

  const cpuBefore = treeCpuSeconds(child.pid!);
  const started = performance.now();
  const statuses = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < all.length) {
        const status = await post(agent, port, all[next++]!);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = treeCpuSeconds(child.pid!) - cpuBefore;
  const rssMb = Math.round(
    (Number(readFileSync(`/proc/${child.pid}/statm`, "utf8").split(" ")[1]) * 4096) / 1e6,
  );
  agent.destroy();
  await stopProcess(child);
  const result: Record<string, unknown> = {
    root,
    requests: all.length,
    statuses: Object.fromEntries(statuses),
    seconds: Math.round(seconds * 100) / 100,
    perSecond: Math.round(all.length / seconds),
    cpuMicrosPerRequest: Math.round((cpu * 1e6) / all.length),
    primaryRssMbAfter: rssMb,
  };
  if (args.profile) {
    const files = readdirSync(profileDir).filter((f) => f.endsWith(".cpuprofile"));
    result.profiles = files.map((f) =>
      summariseProfile(JSON.parse(readFileSync(join(profileDir, f), "utf8")), all.length + 500),
    );
  }
  console.error(JSON.stringify(result));
  return result;
}

const results: Record<string, unknown>[] = [];
try {
  const roots = args.root.map((r) => resolve(r));
  for (let i = 0; i < Number(args.rounds); i++) {
    for (const [j, root] of roots.entries()) results.push(await round(root, i * roots.length + j));
  }
} finally {
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
}
mkdirSync(join(HERE, "bench/results"), { recursive: true });
const file = join(HERE, "bench/results", `${args.label}-${stamp}.json`);
writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), args, results }, null, 2) + "\n");
console.log(file);
