import type { Logger } from "../core/log.ts";
import { connectedSiteId, type SiteBucket } from "../ingest/behaviour/site-bucket.ts";
import type { PlatformModule } from "../platforms/adapter.ts";
import type { Connection, Connections } from "../platforms/connections.ts";
import { platforms } from "../platforms/index.ts";

/**
 * Keeps the `behaviour_sites` bucket in step with the connected stores, so a store that connects
 * can paste the script tag at once and ingest accepts its beacons without a restart: one site per
 * store, its origin the storefront's https origin (the source's `storefrontOrigin`), removed when
 * the store disconnects. It follows the buckets the flows already write rather than hooking each
 * flow, so no flow has to remember it.
 */

/** A store as the flows leave it: connected (keys or app install in place) or gone. */
export interface StoreState {
  platform: string;
  shop: string;
  connected: boolean;
}

/** The tag a store owner pastes into the storefront's `<head>`. */
export function scriptTag(behaviourUrl: string, siteId: string): string {
  return `<script src="${behaviourUrl.replace(/\/+$/, "")}/sdk.js" data-site="${siteId}" async></script>`;
}

/** The script tag for a connected store, or null when its source has no storefront. */
export function storeScriptTag(
  behaviourUrl: string,
  platform: string,
  shop: string,
  modules: readonly PlatformModule[] = platforms,
): string | null {
  const hasStorefront = modules.some((m) => m.platform === platform && m.storefrontOrigin);
  return hasStorefront ? scriptTag(behaviourUrl, connectedSiteId(platform, shop)) : null;
}

export class BehaviourSiteSync {
  private readonly bucket: SiteBucket;
  private readonly modules: readonly PlatformModule[];

  constructor(bucket: SiteBucket, modules: readonly PlatformModule[] = platforms) {
    this.bucket = bucket;
    this.modules = modules;
  }

  /**
   * Writes or removes the store's site. An entry already naming the same store is left as it is:
   * an operator may have added the store's custom domain to its origins, or funnel patterns.
   */
  async apply(store: StoreState): Promise<"written" | "kept" | "removed" | "none"> {
    const origin = this.modules.find((m) => m.platform === store.platform)?.storefrontOrigin?.(store.shop);
    if (!origin) return "none";
    const id = connectedSiteId(store.platform, store.shop);
    const current = await this.bucket.get(id);
    if (!store.connected) {
      if (!current) return "none";
      await this.bucket.remove(id);
      return "removed";
    }
    if (current?.shop === store.shop && current.platform === store.platform) return "kept";
    await this.bucket.put(id, { shop: store.shop, platform: store.platform, origins: [origin] });
    return "written";
  }
}

const LEFT: ReadonlySet<Connection["status"]> = new Set(["failed", "disconnected"]);
const connectionState = (c: Connection): StoreState => ({
  platform: c.platform,
  shop: c.shop,
  connected: !LEFT.has(c.status),
});

/**
 * Follows the connected stores (`connections`, where every source's connect flow keeps them) until
 * `signal` aborts; each change is applied in order. A failed write is logged and
 * the next change of that store writes again (at the latest the next time connect starts).
 */
export async function followConnectedStores(
  sync: BehaviourSiteSync,
  connections: Connections,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  let queue = Promise.resolve();
  const enqueue = (store: StoreState) => {
    queue = queue.then(async () => {
      try {
        const result = await sync.apply(store);
        if (result === "written" || result === "removed")
          log.info({ platform: store.platform, shop: store.shop, result }, "behaviour site updated");
      } catch (err) {
        log.error(
          { platform: store.platform, shop: store.shop, err: (err as Error).message },
          "behaviour site not updated",
        );
      }
    });
  };
  const watch = await connections.watch((c) => enqueue(connectionState(c)));
  signal.addEventListener("abort", () => watch.stop(), { once: true });
  void watch.done.catch((err: unknown) =>
    log.error({ err: (err as Error).message }, "behaviour sites: connections watch ended"),
  );
}
