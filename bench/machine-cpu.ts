import { readFileSync } from "node:fs";

/** The machine's CPU ticks so far, from the first line of /proc/stat. */
export interface MachineTicks {
  total: number;
  /** idle and iowait */
  idle: number;
  /** time the hypervisor ran something else while this machine wanted its cores */
  steal: number;
}

export function machineTicks(stat = readFileSync("/proc/stat", "utf8")): MachineTicks {
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const fields = stat.slice(0, stat.indexOf("\n")).trim().split(/\s+/).slice(1, 9).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { total: user + nice + system + idle + iowait + irq + softirq + steal, idle: idle + iowait, steal };
}

/**
 * Between two readings: how busy the machine's cores were, and how much of their time the
 * hypervisor gave to others (steal), in percent. Runs on a shared host differ most in the second.
 */
export function machineShare(before: MachineTicks, after: MachineTicks) {
  const total = Math.max(1, after.total - before.total);
  const percent = (ticks: number) => Math.round((ticks / total) * 1000) / 10;
  return {
    busyPercent: percent(total - (after.idle - before.idle) - (after.steal - before.steal)),
    stealPercent: percent(after.steal - before.steal),
  };
}
