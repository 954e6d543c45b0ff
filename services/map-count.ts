import { existsSync, readFileSync } from "node:fs";

/** What QuestDB wants of the kernel's per-process limit on memory maps for two years of history. */
export const WANTED_MAP_COUNT = 1_048_576;
const LIMIT_FILE = "/proc/sys/vm/max_map_count";

/** The kernel's limit as its file says it; none where there is no such file (not Linux). */
export function readMapCountLimit(): string | null {
  return existsSync(LIMIT_FILE) ? readFileSync(LIMIT_FILE, "utf8") : null;
}

/**
 * A warning when the kernel lets a process map fewer areas than QuestDB needs for two years of
 * history; nothing when it lets enough or says nothing. QuestDB maps each column of each day's
 * partition it reads: the bench's two-year store (10M orders over 90 days, 640 days of Parquet
 * history) reached the Linux default of 65,530 maps and its queries failed with "could not mmap".
 * The limit is the host's, so start can only say how to raise it.
 */
export function mapCountWarning(limitText: string | null = readMapCountLimit()): string | undefined {
  const limit = Number(limitText?.trim());
  if (limitText === null || !Number.isFinite(limit) || limit >= WANTED_MAP_COUNT) return undefined;
  return `vm.max_map_count is ${limit}: QuestDB can run out of memory maps ("could not mmap") once months of history are queried; raise it on the host with: sudo sysctl -w vm.max_map_count=${WANTED_MAP_COUNT} (and in /etc/sysctl.conf to keep it)`;
}
