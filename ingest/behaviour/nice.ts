import { getPriority, setPriority } from "node:os";
import type { Logger } from "../../core/log.ts";

/**
 * Lowers this process's scheduling priority to `nice` (0–19): when the cores are busy the kernel
 * runs less nice processes (the webhook ingest, the processors, QuestDB) first, so a beacon flood
 * takes only the CPU they leave. Only ever lowered: raising it again needs privileges, and a process
 * started nicer than asked (under `nice -n 15`) keeps its lower priority.
 */
export function lowerPriority(nice: number, log: Logger): number {
  const current = getPriority();
  if (nice > current) setPriority(nice);
  const now = getPriority();
  log.info({ nice: now, asked: nice }, "behaviour scheduling priority");
  return now;
}
