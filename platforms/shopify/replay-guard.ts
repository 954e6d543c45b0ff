/**
 * Replay protection for signed deliveries: a signature proves who sent the bytes, not that they are
 * new, so anyone who saw one delivery could post it again. A delivery must carry its trigger time
 * within `windowMs` (Shopify retries one delivery for up to 4 hours, with the same time and webhook
 * id), and an id seen within the window is a duplicate. Memory stays bounded: ids older than the
 * window are dropped, and at most `maxIds` are kept (the oldest go first).
 */
export type ReplayVerdict =
  { ok: true } | { ok: false; reason: "missing" | "stale" | "future" | "duplicate"; message: string };

export class ReplayGuard {
  private readonly windowMs: number;
  private readonly maxIds: number;
  private readonly skewMs: number;
  /** Webhook id → when it was claimed; a Map keeps insertion order, which is claim order. */
  private readonly seen = new Map<string, number>();

  constructor({ windowMs = 5 * 3_600_000, maxIds = 100_000, skewMs = 5 * 60_000 } = {}) {
    this.windowMs = windowMs;
    this.maxIds = maxIds;
    this.skewMs = skewMs;
  }

  /** Checks a delivery and, when it is new, claims its id (release it if handling fails, so a retry may pass). */
  claim(id: string | undefined, triggeredAt: string | undefined, now = Date.now()): ReplayVerdict {
    if (!id || id.length > 128 || !triggeredAt)
      return {
        ok: false,
        reason: "missing",
        message: "missing X-Shopify-Webhook-Id or X-Shopify-Triggered-At",
      };
    const at = Date.parse(triggeredAt);
    if (!Number.isFinite(at))
      return { ok: false, reason: "missing", message: "X-Shopify-Triggered-At is not a time" };
    if (at < now - this.windowMs)
      return {
        ok: false,
        reason: "stale",
        message: "X-Shopify-Triggered-At is older than the replay window",
      };
    if (at > now + this.skewMs)
      return { ok: false, reason: "future", message: "X-Shopify-Triggered-At is in the future" };
    this.expire(now);
    if (this.seen.has(id)) return { ok: false, reason: "duplicate", message: "already handled" };
    this.seen.set(id, now);
    if (this.seen.size > this.maxIds) this.seen.delete(this.seen.keys().next().value!);
    return { ok: true };
  }

  release(id: string): void {
    this.seen.delete(id);
  }

  get size(): number {
    return this.seen.size;
  }

  private expire(now: number): void {
    for (const [id, at] of this.seen) {
      if (at >= now - this.windowMs) break;
      this.seen.delete(id);
    }
  }
}
