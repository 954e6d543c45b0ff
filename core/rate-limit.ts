/**
 * Token buckets by key, in memory only (a client's key is its address, which must never be stored).
 * A bucket holds `capacity` requests and refills at `perMs`; the map is bounded so a flood of
 * distinct keys costs memory in proportion to `maxKeys`, not to the flood.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly capacity: number;
  private readonly perMs: number;
  private readonly maxKeys: number;

  constructor(capacity: number, perMs: number, maxKeys = 100_000) {
    this.capacity = capacity;
    this.perMs = perMs;
    this.maxKeys = maxKeys;
  }

  /** Takes one token for `key`; false when its bucket is empty. */
  take(key: string, now = Date.now()): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.evict();
      bucket = { tokens: this.capacity, at: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.at) * this.perMs);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Forgets the older half (Map order is insertion order): they are the likeliest to be full again. */
  private evict() {
    let drop = Math.ceil(this.buckets.size / 2);
    for (const key of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(key);
    }
  }
}
