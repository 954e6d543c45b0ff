import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time of a JVM's threads, grouped by pool: QuestDB names its threads for what they do
 * (`wal-apply_0`, `shared-network_1`, `mat-view-refresh_0`, …), so the pool says where its CPU per
 * order went, native code included, which the flight recorder's Java samples miss.
 */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const byPool = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byPool; // the process is gone
  }
  for (const tid of tasks) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    } catch {
      continue; // the thread ended while we looked
    }
    const pool = poolOf(stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")));
    byPool.set(pool, (byPool.get(pool) ?? 0) + statCpuSeconds(stat));
  }
  return byPool;
}

/** CPU seconds in a `/proc/…/stat` line: utime and stime (its 14th and 15th fields), ticks of 1/100 s. */
export function statCpuSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A thread's pool from its name: `shared-network_` (the kernel keeps 15 characters) and `C2 CompilerThre` stay; numbers go. */
export function poolOf(comm: string): string {
  return comm.replace(/[-_ #]*\d+$/, "") || comm;
}

/** What each pool spent between two readings, largest first (a pool whose threads ended meanwhile is under-counted). */
export function threadCpuDelta(before: Map<string, number>, after: Map<string, number>) {
  const delta: [string, number][] = [];
  for (const [pool, seconds] of after) {
    const spent = seconds - (before.get(pool) ?? 0);
    if (spent > 0.005) delta.push([pool, Math.round(spent * 100) / 100]);
  }
  return Object.fromEntries(delta.sort((a, b) => b[1] - a[1]));
}
