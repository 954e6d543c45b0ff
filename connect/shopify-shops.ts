import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { z } from "zod";
import { boundedToken } from "../core/events.ts";
import { Checkpoint } from "../platforms/shopify/backfill.ts";
import { open, seal } from "../core/seal.ts";

/**
 * What the connect service keeps, all in NATS KV (replicated with the broker, no extra database):
 * `shop_tokens` sealed offline tokens (AES-256-GCM, history 1, purged on uninstall), `shops` each
 * connected shop's settings (currency, IANA time zone, status), `backfill` each shop's checkpoint,
 * which is also its progress as the status page and the CLI show it.
 */

export const ShopRecord = z.object({
  shop: z.string(),
  platform: z.literal("shopify"),
  name: z.string().nullable(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  timezone: z.string(),
  scope: z.string(),
  status: z.enum(["installing", "backfilling", "live", "uninstalled", "redacted"]),
  installedAt: z.string(),
  uninstalledAt: z.string().nullable().default(null),
  webhooks: z.array(z.string()).default([]),
});
export type ShopRecord = z.infer<typeof ShopRecord>;

const key = (shop: string) => boundedToken(shop);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

export class ConnectStore {
  private readonly tokens: KV;
  private readonly shops: KV;
  private readonly checkpoints: KV;
  private readonly encryptionKey: Buffer | undefined;

  private constructor(tokens: KV, shops: KV, checkpoints: KV, encryptionKey: Buffer | undefined) {
    this.tokens = tokens;
    this.shops = shops;
    this.checkpoints = checkpoints;
    this.encryptionKey = encryptionKey;
  }

  /** Without a key the store reads settings and progress (the CLI) but no tokens. */
  static async open(nc: NatsConnection, encryptionKey?: Buffer): Promise<ConnectStore> {
    const kvm = new Kvm(jetstream(nc));
    const [tokens, shops, checkpoints] = await Promise.all([
      kvm.create("shop_tokens", { history: 1 }),
      kvm.create("shops", { history: 5 }),
      kvm.create("backfill", { history: 1 }),
    ]);
    return new ConnectStore(tokens, shops, checkpoints, encryptionKey);
  }

  private get sealingKey(): Buffer {
    if (!this.encryptionKey) throw new Error("this store was opened without TOKEN_ENCRYPTION_KEY");
    return this.encryptionKey;
  }

  async putToken(shop: string, token: string): Promise<void> {
    await this.tokens.put(key(shop), seal(this.sealingKey, token, shop));
  }

  async token(shop: string): Promise<string | null> {
    const entry = await this.tokens.get(key(shop));
    if (!entry || entry.operation !== "PUT" || entry.value.length === 0) return null;
    return open(this.sealingKey, decode(entry.value), shop);
  }

  /** Purge, not delete: no revision of the sealed token stays behind. */
  async dropToken(shop: string): Promise<void> {
    await this.tokens.purge(key(shop));
  }

  async rawToken(shop: string): Promise<string | null> {
    const entry = await this.tokens.get(key(shop));
    return entry && entry.operation === "PUT" ? decode(entry.value) : null;
  }

  async putShop(record: ShopRecord): Promise<void> {
    await this.shops.put(key(record.shop), JSON.stringify(ShopRecord.parse(record)));
  }

  async shop(shop: string): Promise<ShopRecord | null> {
    const entry = await this.shops.get(key(shop));
    if (!entry || entry.operation !== "PUT" || entry.value.length === 0) return null;
    return ShopRecord.parse(JSON.parse(decode(entry.value)));
  }

  async updateShop(shop: string, change: Partial<ShopRecord>): Promise<ShopRecord | null> {
    const current = await this.shop(shop);
    if (!current) return null;
    const next = { ...current, ...change };
    await this.putShop(next);
    return next;
  }

  async dropShop(shop: string): Promise<void> {
    await this.shops.purge(key(shop));
  }

  async saveCheckpoint(cp: Checkpoint): Promise<void> {
    await this.checkpoints.put(key(cp.shop), JSON.stringify(cp));
  }

  async checkpoint(shop: string): Promise<Checkpoint | null> {
    const entry = await this.checkpoints.get(key(shop));
    if (!entry || entry.operation !== "PUT" || entry.value.length === 0) return null;
    return Checkpoint.parse(JSON.parse(decode(entry.value)));
  }

  async dropCheckpoint(shop: string): Promise<void> {
    await this.checkpoints.purge(key(shop));
  }

  /** Checkpoints of backfills that were running when the service last stopped. */
  async unfinished(): Promise<Checkpoint[]> {
    const found: Checkpoint[] = [];
    for await (const k of await this.checkpoints.keys()) {
      const entry = await this.checkpoints.get(k);
      if (!entry || entry.operation !== "PUT" || entry.value.length === 0) continue;
      const cp = Checkpoint.parse(JSON.parse(decode(entry.value)));
      if (cp.phase === "orders" || cp.phase === "inventory") found.push(cp);
    }
    return found;
  }

  async listShops(): Promise<ShopRecord[]> {
    const found: ShopRecord[] = [];
    for await (const k of await this.shops.keys()) {
      const entry = await this.shops.get(k);
      if (entry && entry.operation === "PUT" && entry.value.length)
        found.push(ShopRecord.parse(JSON.parse(decode(entry.value))));
    }
    return found;
  }

  /** Every change of one shop's checkpoint, for the CLI progress bar. */
  async watchCheckpoint(shop: string) {
    return this.checkpoints.watch({ key: key(shop) });
  }
}
