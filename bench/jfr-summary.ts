import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { poolOf } from "./questdb-threads.ts";

/**
 * Reads QuestDB's flight recording (`jfr print`, streamed: a minute's samples are far larger as text
 * than a string may be) and says where its Java CPU went: by thread pool, by area of QuestDB's code
 * (`io.questdb.cutlass.line` is ILP, `io.questdb.cairo.wal` the WAL, …), the hottest methods by self
 * time, and time under each method. Only threads running Java are sampled (`jdk.ExecutionSample`):
 * time in native code (QuestDB's file calls, memcpy, dedup sort) is not in it at all, and that is
 * most of its write path; bench/questdb-threads.ts counts it by pool.
 */

/** Frames kept per sample: deep enough to reach the entry point of every QuestDB job. */
const STACK_DEPTH = 48;

/** Areas by package, first match wins; the most specific come first. */
const AREAS: [string, string][] = [
  ["materialized views", "io.questdb.cairo.mv."],
  ["WAL apply (table writer, O3, dedup)", "io.questdb.cairo.TableWriter"],
  ["WAL apply (table writer, O3, dedup)", "io.questdb.cairo.O3"],
  ["WAL apply (table writer, O3, dedup)", "io.questdb.tasks.O3"],
  ["WAL writing / apply job", "io.questdb.cairo.wal."],
  ["ILP receive and parse", "io.questdb.cutlass.line."],
  ["HTTP server (SQL, ILP over HTTP)", "io.questdb.cutlass.http."],
  ["SQL compile and run", "io.questdb.griffin."],
  ["PG wire", "io.questdb.cutlass.pgwire."],
  ["other cairo (storage)", "io.questdb.cairo."],
  ["network / std", "io.questdb.network."],
  ["network / std", "io.questdb.std."],
  ["network / std", "io.questdb.mp."],
  ["other QuestDB", "io.questdb."],
  ["JDK", "java."],
  ["JDK", "jdk."],
  ["JDK", "sun."],
];

export interface JfrSummary {
  samples: number;
  byThreadPool: Record<string, number>;
  byArea: Record<string, number>;
  hottestSelf: { method: string; percent: number }[];
  hottestInclusive: { method: string; percent: number }[];
}

interface Counts {
  samples: number;
  pools: Map<string, number>;
  areas: Map<string, number>;
  self: Map<string, number>;
  inclusive: Map<string, number>;
}

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/** Percent of all samples, one decimal. */
const percentOf = (n: number, total: number) => Math.round((n / total) * 1000) / 10;

function top(map: Map<string, number>, total: number, n: number) {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([method, count]) => ({ method, percent: percentOf(count, total) }));
}

/** The area of a sample: that of the deepest QuestDB frame, so a JDK call is charged to its caller. */
function areaOf(frames: string[]): string {
  const own = frames.find((f) => f.startsWith("io.questdb.")) ?? frames[0] ?? "";
  return AREAS.find(([, prefix]) => own.startsWith(prefix))?.[0] ?? "other";
}

function addSample(counts: Counts, pool: string, frames: string[]): void {
  counts.samples++;
  bump(counts.pools, pool);
  bump(counts.areas, areaOf(frames));
  if (frames[0]) bump(counts.self, frames[0]);
  for (const method of new Set(frames)) bump(counts.inclusive, method);
}

/** `io.questdb.cairo.TableWriter.commit(int) line: 1234` → `io.questdb.cairo.TableWriter.commit` */
function methodOf(frameLine: string): string {
  const trimmed = frameLine.trim();
  const paren = trimmed.indexOf("(");
  return paren > 0 ? trimmed.slice(0, paren) : trimmed;
}

export async function summariseRecording(file: string): Promise<JfrSummary> {
  const proc = spawn(
    "jfr",
    ["print", "--events", "jdk.ExecutionSample", "--stack-depth", String(STACK_DEPTH), file],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise<number | null>((resolve, reject) => {
    proc.once("error", reject);
    proc.once("exit", resolve);
  });
  const counts: Counts = {
    samples: 0,
    pools: new Map(),
    areas: new Map(),
    self: new Map(),
    inclusive: new Map(),
  };
  let pool = "";
  let frames: string[] | undefined;
  for await (const line of createInterface({ input: proc.stdout })) {
    const thread = /sampledThread = "([^"]*)"/.exec(line);
    if (thread) pool = poolOf(thread[1]!);
    else if (line.includes("stackTrace = [")) frames = [];
    else if (frames && line.trim() === "]") {
      addSample(counts, pool, frames);
      frames = undefined;
    } else if (frames && !line.includes("...")) frames.push(methodOf(line));
  }
  const code = await exited;
  if (code !== 0) throw new Error(`jfr print exited with ${code} for ${file}`);
  const total = Math.max(1, counts.samples);
  const shares = (map: Map<string, number>) =>
    Object.fromEntries(top(map, total, map.size).map(({ method, percent }) => [method, percent]));
  return {
    samples: counts.samples,
    byThreadPool: shares(counts.pools),
    byArea: shares(counts.areas),
    hottestSelf: top(counts.self, total, 20),
    hottestInclusive: top(counts.inclusive, total, 30),
  };
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: node bench/jfr-summary.ts <recording.jfr>");
  console.log(JSON.stringify(await summariseRecording(file), null, 2));
}
