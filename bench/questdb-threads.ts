import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time of a JVM's threads, grouped by pool: QuestDB names its threads for what they do
 * (`questdb-ilpwriter-0`, `questdb-wal-apply-1`, …), so the pool says where its CPU per order went,
 * native code included, which a Java profiler only half sees.
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
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime, in ticks of 1/100 s.
    const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
    byPool.set(pool, (byPool.get(pool) ?? 0) + seconds);
  }
  return byPool;
}

/** A thread's pool from its name: `questdb-ilpwri` (the kernel keeps 15 characters) and `C2 CompilerThre` stay; numbers go. */
export function poolOf(comm: string): string {
  return comm.replace(/[-_ #]*\d+$/, "") || comm;
}

/** What each pool spent between two readings, largest first, threads that ended counted as far as seen. */
export function threadCpuDelta(before: Map<string, number>, after: Map<string, number>) {
  const delta: [string, number][] = [];
  for (const [pool, seconds] of after) {
    const spent = seconds - (before.get(pool) ?? 0);
    if (spent > 0.005) delta.push([pool, Math.round(spent * 100) / 100]);
  }
  return Object.fromEntries(delta.sort((a, b) => b[1] - a[1]));
}
