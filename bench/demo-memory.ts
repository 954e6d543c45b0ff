import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { demoWiring } from "../demo/wiring.ts";
import { freePort, portOpen, waitFor } from "../services/ports.ts";
import { startStack } from "../services/stack.ts";
import { rssMb, sleep } from "./measure.ts";

/**
 * The demo's memory and start-up: the whole pipeline on free ports, the demo wired as the start
 * command wires it (three shops, the shippers and payments), its history sent. Reports how long
 * until its outlets' ports answer, until its first history webhook goes out, until the history is
 * in, its peak RSS meanwhile and its RSS at rest 15 s after. `--root` runs another checkout's
 * demo/main.ts (a "before" tree) against the same stack code.
 */
const { values: args } = parseArgs({
  options: {
    label: { type: "string", default: "demo" },
    root: { type: "string" },
    "history-days": { type: "string", default: "7" },
    rate: { type: "string", default: "1" },
  },
});
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const demoRoot = args.root ?? ROOT;
const say = (msg: string, extra: object = {}) =>
  console.log(`[demo-memory ${new Date().toISOString().slice(11, 19)}] ${msg}`, JSON.stringify(extra));

const dir = mkdtempSync(join(tmpdir(), "metricsdash-demo-memory-"));
const secrets = {
  SHOPIFY_API_SECRET: "bench-shopify-secret-0123456789",
  CUSTOMER_HASH_KEY: "bench-customer-hash-key-0123456789abcdef",
};
const wiring = await demoWiring(secrets, { port: freePort });
const stack = await startStack({
  dir,
  env: { ...secrets, LOG_LEVEL: "info", ...wiring.stackEnv },
});
const logFile = join(dir, "demo.log");
const spawnedAt = Date.now();
const demo = spawn(process.execPath, [join(demoRoot, "demo", "main.ts")], {
  env: {
    ...stack.env,
    ...secrets,
    ...wiring.stackEnv,
    ...wiring.demoEnv,
    DEMO_INGEST_URL: stack.ingestUrl,
    DEMO_BEHAVIOUR_URL: stack.behaviourUrl,
    DEMO_STATE_FILE: join(dir, "demo-store.json"),
    DEMO_HISTORY_DAYS: args["history-days"],
    DEMO_ORDERS_PER_MINUTE: args.rate,
    DEMO_STOREFRONT_PORT: String(await freePort()),
  },
  stdio: ["ignore", openSync(logFile, "a"), openSync(logFile, "a")],
});
const pid = demo.pid!;

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 1000);
await waitFor(
  "demo ports",
  async () => (await Promise.all(wiring.serves.map((p) => portOpen(p)))).every(Boolean),
  600_000,
);
const portsMs = Date.now() - spawnedAt;
say("ports answer", { ms: portsMs });

/** The demo's log lines (pino JSON), parsed. */
const lines = (): { time: number; msg: string }[] =>
  readFileSync(logFile, "utf8")
    .split("\n")
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as { time: number; msg: string }];
      } catch {
        return [];
      }
    });
// Before this change the demo began delivering right after "sending history"; now it says when the first one is in.
const FIRST = ["demo store: first history webhook accepted", "demo store: sending history"];
await waitFor(
  "history sent",
  async () => lines().some((l) => l.msg === "demo store: history sent"),
  3_600_000,
);
const all = lines();
const first = all.find((l) => FIRST.includes(l.msg));
const sent = all.find((l) => l.msg === "demo store: history sent")!;
await sleep(15_000);
clearInterval(sampler);
const result = {
  label: args.label,
  demoRoot,
  historyDays: Number(args["history-days"]),
  ordersPerMinute: Number(args.rate),
  portsMs,
  firstWebhookMs: first ? first.time - spawnedAt : null,
  historySentMs: sent.time - spawnedAt,
  rssPeakMb: peak,
  rssAtRestMb: rssMb(pid),
  loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
  progress: all.filter((l) => l.msg.startsWith("demo store: history")).slice(-2),
};
say("result", result);
const results = join(ROOT, "bench", "results");
mkdirSync(results, { recursive: true });
writeFileSync(
  join(
    results,
    `demo-memory-${args.label}-${new Date().toISOString().replaceAll(":", "-").slice(0, 19)}.json`,
  ),
  JSON.stringify(result, null, 2) + "\n",
);
demo.kill("SIGTERM");
await stack.stop();
