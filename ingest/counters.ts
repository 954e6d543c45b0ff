/**
 * Per-platform outcome counts, shown on /healthz to the machine itself: "ignored topic products/create"
 * is a question a person asks. Outcomes can carry a header's value (the topic), and headers are not
 * covered by the signature, so anyone replaying one signed body could mint new keys: the names are
 * cut to MAX_OUTCOME characters and at most MAX_KEYS are kept, the rest counted as "other".
 */
export const MAX_KEYS = 256;
export const MAX_OUTCOME = 80;

export class Counters {
  private readonly counts = new Map<string, number>();

  add(platform: string, outcome: string): void {
    let key = `${platform}: ${outcome.slice(0, MAX_OUTCOME)}`;
    if (!this.counts.has(key) && this.counts.size >= MAX_KEYS - 1) key = "other";
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}
