import type { Logger } from "../../core/log.ts";
import type { BehaviourSite } from "./config.ts";
import { funnelOf, type FunnelOf } from "./funnel.ts";
import type { SiteBucket, SiteChange } from "./site-bucket.ts";

/** A site `/collect` accepts, with its funnel matcher compiled once. */
export interface KnownSite {
  site: BehaviourSite;
  funnel: FunnelOf;
}

const known = (site: BehaviourSite): KnownSite => ({ site, funnel: funnelOf(site.platform, site.funnel) });

/**
 * The sites `/collect` and `/heatmap` accept: BEHAVIOUR_SITES from the environment, and the
 * connected stores' sites that the connect service keeps in the `behaviour_sites` bucket, followed
 * while the behaviour process runs. The environment wins when both name one id (an operator's settings are not
 * overwritten from the network); the bucket's sites are capped in number, so a runaway writer
 * cannot grow its memory.
 */
export class BehaviourSites {
  private readonly fromEnv: Map<string, KnownSite>;
  private readonly connected = new Map<string, KnownSite>();
  /** How many sites name each origin: CORS preflights ask about an origin, not a site. */
  private readonly origins = new Map<string, number>();
  private readonly maxConnected: number;
  private full = false;

  constructor(env: Record<string, BehaviourSite>, maxConnected: number) {
    this.fromEnv = new Map(Object.entries(env).map(([id, site]) => [id, known(site)]));
    this.maxConnected = maxConnected;
    for (const { site } of this.fromEnv.values()) this.count(site, 1);
  }

  get(id: string): KnownSite | undefined {
    return this.fromEnv.get(id) ?? this.connected.get(id);
  }

  /** True when some site names this origin (the preflight's question). */
  hasOrigin(origin: string): boolean {
    return (this.origins.get(origin) ?? 0) > 0;
  }

  get connectedCount(): number {
    return this.connected.size;
  }

  /** Applies one change of the bucket; false when it was not taken (the cap is reached). */
  apply({ id, site }: SiteChange): boolean {
    if (this.fromEnv.has(id)) return true; // the environment's site stands; the entry changes nothing
    const before = this.connected.get(id);
    if (!site) {
      if (before) this.count(before.site, -1);
      this.connected.delete(id);
      this.full = false;
      return true;
    }
    if (!before && this.connected.size >= this.maxConnected) return false;
    if (before) this.count(before.site, -1);
    this.connected.set(id, known(site));
    this.count(site, 1);
    return true;
  }

  /**
   * Follows the bucket until `signal` aborts; resolves once what the bucket held when the process started
   * is applied, so a restart refuses no connected store's beacons.
   */
  async follow(bucket: SiteBucket, log: Logger, signal: AbortSignal): Promise<void> {
    let ready!: () => void;
    const loaded = new Promise<void>((resolve) => (ready = resolve));
    // An empty bucket replays nothing, so there is no first entry to wait for.
    if ((await bucket.kv.status()).values === 0) ready();
    const watch = await bucket.watch({
      change: (change) => {
        if (!this.apply(change) && !this.full) {
          this.full = true;
          log.warn(
            { max: this.maxConnected },
            "behaviour sites: cap reached, further connected sites refused",
          );
        }
      },
      invalid: (err) => log.warn({ key: err.key, err: err.message }, "behaviour sites: entry skipped"),
      caughtUp: ready,
    });
    signal.addEventListener("abort", () => watch.stop(), { once: true });
    void watch.done.catch((err: unknown) =>
      log.error({ err: (err as Error).message }, "behaviour sites: watch ended; connected sites frozen"),
    );
    await loaded;
  }

  private count(site: BehaviourSite, by: 1 | -1) {
    for (const origin of site.origins) {
      const n = (this.origins.get(origin) ?? 0) + by;
      if (n > 0) this.origins.set(origin, n);
      else this.origins.delete(origin);
    }
  }
}
