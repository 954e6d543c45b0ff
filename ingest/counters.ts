/** Per-platform outcome counts, shown on /healthz: "ignored topic products/create" is a question a person asks. */
export class Counters {
  private readonly counts = new Map<string, number>();

  add(platform: string, outcome: string): void {
    const key = `${platform}: ${outcome}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}
