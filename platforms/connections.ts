import type { KV } from "@nats-io/kv";
import { z } from "zod";
import { boundedToken } from "../core/events.ts";
import { open, seal } from "../core/seal.ts";

/**
 * Stores connected through the connect service on platforms whose API we call with the store's own
 * keys (WooCommerce REST keys, a BigCommerce token). One NATS KV entry per store: its settings in
 * clear, its credentials sealed with TOKEN_ENCRYPTION_KEY (AES-256-GCM, `<platform>:<shop>` as
 * associated data, so a sealed value copied onto another store's entry does not open). The connect
 * service writes it; the processors' fetchers watch it and call each store's API.
 */

export const CONNECTIONS_BUCKET = "connections";

export const Connection = z.object({
  platform: z.string().regex(/^[a-z0-9-]+$/),
  shop: z.string().min(1),
  status: z.enum(["connecting", "backfilling", "live", "failed", "disconnected"]),
  /** What the store calls itself, for pages; never a person's name. */
  name: z.string().nullable().default(null),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .nullable()
    .default(null),
  timezone: z.string().nullable().default(null),
  connectedAt: z.string(),
  updatedAt: z.string(),
  /** Sealed JSON of the platform's credentials schema; empty once the store disconnected. */
  credentials: z.string(),
  /** Webhooks or hooks we created on the store, by topic/scope. */
  webhooks: z.array(z.string()).default([]),
  error: z.string().nullable().default(null),
});
export type Connection = z.infer<typeof Connection>;

const entryKey = (platform: string, shop: string) => `${boundedToken(platform)}.${boundedToken(shop)}`;
const context = (platform: string, shop: string) => `${platform}:${shop}`;
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

export class Connections {
  readonly kv: KV;
  private readonly key: Buffer | undefined;

  /** Without a key the store lists connections (settings, progress) but opens no credentials. */
  constructor(kv: KV, key: Buffer | undefined) {
    this.kv = kv;
    this.key = key;
  }

  private get sealingKey(): Buffer {
    if (!this.key)
      throw new Error("connections opened without TOKEN_ENCRYPTION_KEY: credentials stay sealed");
    return this.key;
  }

  sealCredentials(platform: string, shop: string, credentials: unknown): string {
    return seal(this.sealingKey, JSON.stringify(credentials), context(platform, shop));
  }

  /** The store's credentials, checked against the platform's schema. */
  openCredentials<S extends z.ZodType>(connection: Connection, schema: S): z.infer<S> {
    if (!connection.credentials)
      throw new Error(`${connection.platform}:${connection.shop} has no credentials`);
    const json = open(this.sealingKey, connection.credentials, context(connection.platform, connection.shop));
    return schema.parse(JSON.parse(json));
  }

  async put(connection: Connection): Promise<void> {
    await this.kv.put(
      entryKey(connection.platform, connection.shop),
      JSON.stringify(Connection.parse(connection)),
    );
  }

  async get(platform: string, shop: string): Promise<Connection | null> {
    const entry = await this.kv.get(entryKey(platform, shop));
    return entry ? parseEntry(entry.operation, entry.value) : null;
  }

  async update(platform: string, shop: string, change: Partial<Connection>): Promise<Connection | null> {
    const current = await this.get(platform, shop);
    if (!current) return null;
    const next = { ...current, ...change, updatedAt: new Date().toISOString() };
    await this.put(next);
    return next;
  }

  /** Disconnecting drops the credentials at once (the entry keeps the settings for the status page). */
  async disconnect(platform: string, shop: string): Promise<void> {
    await this.update(platform, shop, { status: "disconnected", credentials: "" });
  }

  /**
   * Removes the store's entry and every revision of it (a shop whose data was erased on request).
   * Disconnect first: the fetchers drop a store by its `disconnected` status, not by a purge.
   */
  async remove(platform: string, shop: string): Promise<void> {
    await this.kv.purge(entryKey(platform, shop));
  }

  async list(): Promise<Connection[]> {
    const found: Connection[] = [];
    for await (const k of await this.kv.keys()) {
      const entry = await this.kv.get(k);
      const connection = entry ? parseEntry(entry.operation, entry.value) : null;
      if (connection) found.push(connection);
    }
    return found;
  }

  /**
   * Calls `onChange` with every connection now and every change after, until `stop`. Stores leave by
   * status (`disconnected`), never by deletion, so every change names its store.
   */
  async watch(onChange: (connection: Connection) => void): Promise<{ stop(): void; done: Promise<void> }> {
    const watcher = await this.kv.watch();
    const done = (async () => {
      for await (const entry of watcher) {
        const connection = parseEntry(entry.operation, entry.value);
        if (connection) onChange(connection);
      }
    })();
    return { stop: () => watcher.stop(), done };
  }
}

function parseEntry(operation: string, value: Uint8Array): Connection | null {
  if (operation !== "PUT" || value.length === 0) return null;
  return Connection.parse(JSON.parse(decode(value)));
}
