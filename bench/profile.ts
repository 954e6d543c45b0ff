import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Reads the `--cpu-prof` profiles of ingest and processors and says where the time went: self
 * time by area (signature, JSON parsing, zod, NATS client, HTTP server, QuestDB client, …) and the
 * hottest functions, plus CPU microseconds per webhook.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const AREAS: [string, (url: string, fn: string) => boolean][] = [
  ["idle", (_u, fn) => fn === "(idle)"],
  ["garbage collector", (_u, fn) => fn === "(garbage collector)"],
  [
    "signature (HMAC)",
    (u, fn) =>
      u.includes("core/signature") || (u.includes("crypto") && /hmac|digest|update|timingSafe/i.test(fn)),
  ],
  ["JSON parse (core/json.ts)", (u) => u.includes("core/json")],
  ["zod validation", (u) => u.includes("/zod/")],
  [
    "normalise + identity",
    (u) => u.includes("platforms/") || u.includes("core/identity") || u.includes("core/money"),
  ],
  ["NATS client", (u) => u.includes("@nats-io")],
  ["QuestDB ILP client", (u) => u.includes("@questdb")],
  ["stale-update lookup", (u) => u.includes("orders/freshness")],
  ["rows + handler", (u) => u.includes("processors/orders/") || u.includes("processors/consumer")],
  ["fetch / undici", (u) => u.includes("undici") || u.includes("internal/deps/undici")],
  [
    "Hono + node http",
    (u) =>
      u.includes("hono") || u.includes("_http") || u.includes("internal/http") || u.includes("node:http"),
  ],
  ["ingest route + app", (u) => u.includes("ingest/")],
  ["pino", (u) => u.includes("pino")],
  [
    "node streams/net",
    (u) => u.includes("internal/streams") || u.includes("node:net") || u.includes("stream_base"),
  ],
  ["(program)", (_u, fn) => fn === "(program)"],
];

export function summariseProfile(profile: CpuProfile, requests: number) {
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const label = (node: ProfileNode) => {
    const { url, functionName, lineNumber } = node.callFrame;
    // A builtin without a name (Buffer's native UTF-8 write, say) is only told apart by its caller.
    if (!url && !functionName) return `(native) in ${parent.get(node.id)?.callFrame.functionName ?? "?"}`;
    const where = url
      ? `${url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(?=[a-z]+\/)/, "")}:${lineNumber + 1}`
      : "";
    return `${functionName || "(anonymous)"} ${where}`.trim();
  };
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const t = self.get(node.id) ?? 0;
    if (!t) continue;
    const { url, functionName } = node.callFrame;
    const area = AREAS.find(([, match]) => match(url, functionName))?.[0] ?? "other";
    areas.set(area, (areas.get(area) ?? 0) + t);
    if (area === "idle") continue;
    busy += t;
    const key = label(node);
    functions.set(key, (functions.get(key) ?? 0) + t);
    // Time under each JavaScript function, counted once per sample however deep it recurses.
    const seen = new Set<string>();
    for (let at: ProfileNode | undefined = node; at; at = parent.get(at.id)) {
      const u = at.callFrame.url;
      if (!u || u.startsWith("node:internal/process")) continue;
      const name = label(at);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + t);
    }
    const module = moduleOf(url, functionName);
    modules.set(module, (modules.get(module) ?? 0) + t);
  }
  const perRequest = (us: number) => Math.round((us / requests) * 10) / 10;
  return {
    wallSeconds: Math.round((profile.endTime - profile.startTime) / 1e5) / 10,
    cpuSeconds: Math.round(busy / 1e5) / 10,
    cpuMicrosPerWebhook: perRequest(busy),
    areasMicrosPerWebhook: Object.fromEntries(
      [...areas]
        .filter(([a]) => a !== "idle")
        .sort((a, b) => b[1] - a[1])
        .map(([a, t]) => [a, perRequest(t)]),
    ),
    hottest: [...functions]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([fn, t]) => ({ fn, selfPercent: Math.round((t / busy) * 1000) / 10 })),
    hottestInclusive: [...inclusive]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([fn, t]) => ({ fn, percent: Math.round((t / busy) * 1000) / 10 })),
    hottestModules: [...modules]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([module, t]) => ({ module, selfPercent: Math.round((t / busy) * 1000) / 10 })),
  };
}

/** A package (`@nats-io/jetstream`, `zod`), one of our files (`processors/consumer.ts`), or a Node internal. */
function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName || "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith("node:")) return url;
  return url.replace(/^file:\/\/.*?\/(?=(?:core|processors|platforms|ingest|services)\/)/, "");
}

function readProfile(dir: string, file: string): CpuProfile {
  return JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
}

function serviceOf(profile: CpuProfile, file: string): string {
  const urls = profile.nodes.map((n) => n.callFrame.url);
  if (urls.some((u) => u.endsWith("ingest/main.ts"))) return "ingest";
  if (urls.some((u) => u.endsWith("processors/main.ts"))) return "processors";
  return file;
}

/** Which service wrote a profile: `ingest`, `processors`, or else the file's name. */
export function profileService(dir: string, file: string): string {
  return serviceOf(readProfile(dir, file), file);
}

/** Profiles in `dir`, labelled by the service they came from. */
export function summariseProfiles(dir: string, files: string[], requests: number) {
  const out: Record<string, ReturnType<typeof summariseProfile>> = {};
  for (const file of files.filter((f) => f.endsWith(".cpuprofile"))) {
    const profile = readProfile(dir, file);
    out[serviceOf(profile, file)] = summariseProfile(profile, requests);
  }
  return out;
}
