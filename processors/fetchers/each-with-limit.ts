/**
 * Runs `work` for every item, at most `limit` at a time, and resolves when all have settled.
 * `work` handles its own failures (the catch-up logs and records each store's); one that still
 * throws rejects the whole run after the others have finished.
 */
export async function eachWithLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane);
  const failed = (await Promise.allSettled(lanes)).find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}
