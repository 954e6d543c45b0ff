/**
 * Where a demo run starts. The first run sends `historyDays` of history; a restart replays the same
 * store silently up to what it had sent and fills only the gap, so orders are never sent twice
 * under different times. A store too old to replay cheaply starts over after what was sent.
 */

export interface DemoState {
  seed: number;
  shop: string;
  ordersPerMinute: number;
  timeZone: string;
  start: number;
  viralAt: number[];
  sentUntil: number;
}

export interface RunPlan {
  start: number;
  viralAt: number[];
  /** Webhooks due before this were sent by an earlier run: replayed to rebuild state, not sent. */
  sendFrom: number;
}

const DAY = 86_400_000;
const MAX_REPLAY_DAYS = 30;

export function planRun(
  previous: DemoState | undefined,
  wanted: Pick<DemoState, "seed" | "shop" | "ordersPerMinute" | "timeZone">,
  historyDays: number,
  now: number,
): RunPlan {
  const same =
    previous &&
    previous.seed === wanted.seed &&
    previous.shop === wanted.shop &&
    previous.ordersPerMinute === wanted.ordersPerMinute &&
    previous.timeZone === wanted.timeZone;
  if (
    same &&
    previous.sentUntil >= now - historyDays * DAY &&
    previous.start >= now - MAX_REPLAY_DAYS * DAY &&
    previous.sentUntil <= now
  ) {
    return { start: previous.start, viralAt: previous.viralAt, sendFrom: previous.sentUntil };
  }
  const start = Math.max(now - historyDays * DAY, Math.min(previous?.sentUntil ?? 0, now));
  const viralAt = [now + 2 * 60_000];
  // A viral day in the history too, so velocity panels have a spike to show from the first minute.
  if (now - start >= DAY) viralAt.unshift(start + Math.round((now - start) * 0.45));
  return { start, viralAt, sendFrom: start };
}

/** What the state file holds: each shop's state under its platform. */
export type DemoStates = Partial<Record<string, DemoState>>;

/**
 * Reads the state file's contents. A file written before the demo ran WooCommerce and BigCommerce
 * shops holds the Shopify shop's state alone: it stays the Shopify shop's, and the new shops start fresh.
 */
export function parseStates(json: unknown): DemoStates {
  if (typeof json !== "object" || json === null) return {};
  if ("seed" in json) return { shopify: json as DemoState };
  return ((json as { shops?: DemoStates }).shops ?? {}) as DemoStates;
}

export function serialiseStates(states: DemoStates): string {
  return JSON.stringify({ shops: states }, null, 2);
}
