import { createHash } from "node:crypto";
import type { JetStreamClient } from "@nats-io/jetstream";
import { Kvm, type KV, type KvWatchEntry } from "@nats-io/kv";
import { SiteId } from "../../core/interaction.ts";
import { BehaviourSite } from "./config.ts";

/**
 * Sites of connected stores, one NATS KV entry per site id, written by the connect service when a
 * store connects (and deleted when it leaves) and watched by the behaviour process's `/collect`, so a store that
 * connects sends behaviour without it restarting. BEHAVIOUR_SITES still names sites by hand and
 * wins when both name one id.
 */

export const BEHAVIOUR_SITES_BUCKET = "behaviour_sites";
/** A site's JSON is well under 2 KB even with 20 origins and funnel patterns; more is refused by NATS. */
export const MAX_SITE_BYTES = 4096;

export const SiteEntry = BehaviourSite;
export type SiteEntry = BehaviourSite;

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/**
 * The site id a connected store's tag carries: readable (platform and shop) and unique (a hash of
 * both, since slugging folds `a.b` and `a-b` together), within SiteId's 64 characters.
 *
 * @example connectedSiteId("shopify", "acme.myshopify.com") // "shopify-acme-myshopify-com-1f0c9a2e"
 */
export function connectedSiteId(platform: string, shop: string): string {
  const hash = createHash("sha256").update(`${platform}\u0000${shop}`).digest("hex").slice(0, 8);
  const slug = `${platform}-${shop}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return SiteId.parse(`${slug.slice(0, 64 - hash.length - 1).replace(/-+$/, "")}-${hash}`);
}

/** One change to the bucket: a site now known as `site`, or gone (`site` null). */
export interface SiteChange {
  id: string;
  site: SiteEntry | null;
}

/** Why an entry was not taken: its key is not a site id or its value not a site. */
export class InvalidSiteEntry extends Error {
  readonly key: string;
  constructor(key: string, cause: unknown) {
    super(`behaviour site entry ${JSON.stringify(key.slice(0, 80))} is not a site`, { cause });
    this.name = "InvalidSiteEntry";
    this.key = key;
  }
}

export class SiteBucket {
  readonly kv: KV;
  constructor(kv: KV) {
    this.kv = kv;
  }

  /** Opens the bucket, creating it when neither service did yet (both may start first). */
  static async open(js: JetStreamClient): Promise<SiteBucket> {
    return new SiteBucket(
      await new Kvm(js).create(BEHAVIOUR_SITES_BUCKET, { history: 1, maxValueSize: MAX_SITE_BYTES }),
    );
  }

  async put(id: string, site: SiteEntry): Promise<void> {
    await this.kv.put(SiteId.parse(id), JSON.stringify(SiteEntry.parse(site)));
  }

  async remove(id: string): Promise<void> {
    await this.kv.delete(SiteId.parse(id));
  }

  async get(id: string): Promise<SiteEntry | null> {
    const entry = await this.kv.get(SiteId.parse(id));
    return entry ? parseChange(entry).site : null;
  }

  /**
   * Calls `change` with every site the bucket holds, then with every change, until `stop`;
   * `caughtUp` once the entries the bucket held when the watch began were delivered (valid or not);
   * `invalid` hears of an entry that is not a site (it is skipped, the watch goes on).
   */
  async watch(handlers: {
    change: (change: SiteChange) => void;
    invalid: (err: InvalidSiteEntry) => void;
    caughtUp: () => void;
  }): Promise<{ stop(): void; done: Promise<void> }> {
    const watcher = await this.kv.watch();
    const done = (async () => {
      for await (const entry of watcher) {
        try {
          handlers.change(parseChange(entry));
        } catch (err) {
          if (!(err instanceof InvalidSiteEntry)) throw err;
          handlers.invalid(err);
        }
        if (entry.isUpdate) handlers.caughtUp();
      }
    })();
    return { stop: () => watcher.stop(), done };
  }
}

function parseChange(entry: Pick<KvWatchEntry, "key" | "operation" | "value">): SiteChange {
  const id = SiteId.safeParse(entry.key);
  if (!id.success) throw new InvalidSiteEntry(entry.key, id.error);
  if (entry.operation !== "PUT" || entry.value.length === 0) return { id: id.data, site: null };
  let json: unknown;
  try {
    json = JSON.parse(decode(entry.value));
  } catch (err) {
    throw new InvalidSiteEntry(entry.key, err);
  }
  const site = SiteEntry.safeParse(json);
  if (!site.success) throw new InvalidSiteEntry(entry.key, site.error);
  return { id: id.data, site: site.data };
}
