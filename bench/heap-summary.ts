import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { sleep } from "./measure.ts";

/**
 * What a V8 heap snapshot holds, by kind: self sizes summed per (node type, constructor or name),
 * largest first. Self size, not retained size: it says which objects the bytes are in, and the
 * constructor names say whose they are. Usage: node bench/heap-summary.ts <file.heapsnapshot> [top]
 */
interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapGroup {
  type: string;
  name: string;
  count: number;
  mb: number;
}

export function summariseHeap(snapshot: Snapshot, top = 25): { totalMb: number; groups: HeapGroup[] } {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const groups = new Map<string, { type: string; name: string; count: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!] ?? "?";
    // Strings are grouped as one kind: their names are their contents.
    const name =
      type === "string" || type === "concatenated string"
        ? "(strings)"
        : snapshot.strings[snapshot.nodes[i + nameAt]!]!;
    const size = snapshot.nodes[i + sizeAt]!;
    total += size;
    const key = `${type}\u0000${name}`;
    const group = groups.get(key) ?? { type, name: name.slice(0, 80), count: 0, bytes: 0 };
    group.count += 1;
    group.bytes += size;
    groups.set(key, group);
  }
  const mb = (bytes: number) => Math.round((bytes / 1024 ** 2) * 10) / 10;
  return {
    totalMb: mb(total),
    groups: [...groups.values()]
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, top)
      .map((g) => ({ type: g.type, name: g.name, count: g.count, mb: mb(g.bytes) })),
  };
}

/**
 * A snapshot file parsed a section at a time: a big process's snapshot is longer than the longest
 * string V8 makes (512 MB), so it can't be one JSON.parse. The edges are not read (self sizes need
 * only the nodes and the strings).
 */
export function readSnapshot(path: string): Snapshot {
  const bytes = readFileSync(path);
  const at = (marker: string) => {
    const i = bytes.indexOf(marker);
    if (i < 0) throw new Error(`${path}: no ${marker} section`);
    return i;
  };
  const nodesAt = at('"nodes":[');
  const header = JSON.parse(`${bytes.toString("utf8", 0, nodesAt).replace(/,\s*$/, "")}}`) as Pick<
    Snapshot,
    "snapshot"
  >;
  const nodes: number[] = [];
  let value = 0;
  let inNumber = false;
  for (let i = nodesAt + '"nodes":['.length; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c >= 48 && c <= 57) [value, inNumber] = [value * 10 + (c - 48), true];
    else {
      if (inNumber) nodes.push(value);
      [value, inNumber] = [0, false];
      if (c === 93) break; // "]"
    }
  }
  const stringsAt = at('"strings":[') + '"strings":'.length;
  const stringsEnd = bytes.lastIndexOf("]") + 1;
  const strings = JSON.parse(bytes.toString("utf8", stringsAt, stringsEnd)) as string[];
  return { ...header, nodes, strings };
}

/**
 * Signals a service started with `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=<dir>`, waits until
 * its snapshot is written (its size still for 3 s), summarises it and deletes it (they are large).
 */
export async function snapshotSummary(pid: number, dir: string, top = 15, timeoutMs = 300_000) {
  const mine = () => readdirSync(dir).filter((f) => f.includes(`.${pid}.`) && f.endsWith(".heapsnapshot"));
  const before = new Set(mine());
  process.kill(pid, "SIGUSR2");
  const deadline = Date.now() + timeoutMs;
  let file: string | undefined;
  let size = -1;
  let stillSince = Date.now();
  while (Date.now() < deadline) {
    file ??= mine().find((f) => !before.has(f));
    if (file) {
      const now = statSync(join(dir, file)).size;
      if (now !== size) [size, stillSince] = [now, Date.now()];
      else if (size > 0 && Date.now() - stillSince >= 3000) break;
    }
    await sleep(500);
  }
  if (!file || size <= 0) throw new Error(`no heap snapshot from pid ${pid} in ${timeoutMs} ms`);
  const path = join(dir, file);
  try {
    return summariseHeap(readSnapshot(path), top);
  } finally {
    rmSync(path, { force: true });
  }
}

if (import.meta.main) {
  const [file, top = "25"] = process.argv.slice(2);
  if (!file) throw new Error("usage: node bench/heap-summary.ts <file.heapsnapshot> [top]");
  const summary = summariseHeap(readSnapshot(file), Number(top));
  console.log(`total self size ${summary.totalMb} MB`);
  console.table(summary.groups);
}
