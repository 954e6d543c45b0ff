import type { KV } from "@nats-io/kv";
import { boundedToken } from "../../core/events.ts";
import { Checkpoint } from "./backfill.ts";

/**
 * Each Shopify shop's history checkpoint in the NATS KV bucket `backfill` (history 1): saved after
 * every batch JetStream acknowledged, so a restart resumes it; also its progress, as the status page
 * and the CLI show it. The shop's settings and its sealed token are its `connections` entry.
 */
export const CHECKPOINTS_BUCKET = "backfill";

const key = (shop: string) => boundedToken(shop);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

export class ShopifyCheckpoints {
  private readonly kv: KV;

  constructor(kv: KV) {
    this.kv = kv;
  }

  static async open(bucket: (name: string, options: { history: number }) => Promise<KV>) {
    return new ShopifyCheckpoints(await bucket(CHECKPOINTS_BUCKET, { history: 1 }));
  }

  async save(cp: Checkpoint): Promise<void> {
    await this.kv.put(key(cp.shop), JSON.stringify(Checkpoint.parse(cp)));
  }

  async get(shop: string): Promise<Checkpoint | null> {
    const entry = await this.kv.get(key(shop));
    if (!entry || entry.operation !== "PUT" || entry.value.length === 0) return null;
    return Checkpoint.parse(JSON.parse(decode(entry.value)));
  }

  async drop(shop: string): Promise<void> {
    await this.kv.purge(key(shop));
  }

  /** Checkpoints of histories that were running when the service last stopped. */
  async unfinished(): Promise<Checkpoint[]> {
    const found: Checkpoint[] = [];
    for await (const k of await this.kv.keys()) {
      const entry = await this.kv.get(k);
      if (!entry || entry.operation !== "PUT" || entry.value.length === 0) continue;
      const cp = Checkpoint.parse(JSON.parse(decode(entry.value)));
      if (cp.phase === "orders" || cp.phase === "inventory") found.push(cp);
    }
    return found;
  }

  /** Every change of one shop's checkpoint, for the CLI progress bar. */
  async *watch(shop: string): AsyncIterable<Checkpoint> {
    for await (const entry of await this.kv.watch({ key: key(shop) }))
      if (entry.operation === "PUT" && entry.value.length > 0)
        yield Checkpoint.parse(JSON.parse(decode(entry.value)));
  }
}
