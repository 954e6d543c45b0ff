import type { KV } from "@nats-io/kv";
import { z } from "zod";
import type { Logger } from "../../core/log.ts";
import { open } from "../../core/seal.ts";
import type { Connection, Connections } from "../connections.ts";
import type { ShopifyCredentials } from "./api.ts";
import { PLATFORM } from "./constants.ts";

/**
 * Before Shopify's install was a connect flow like the others, a shop's offline token was kept in
 * the KV bucket `shop_tokens` (sealed with the shop as associated data) and its settings in `shops`.
 * The connect service moves what is there into `connections` once, at start-up: every service then
 * finds a Shopify store where it finds the others (the processors' catch-up among them).
 */
export const LEGACY_TOKENS_BUCKET = "shop_tokens";
export const LEGACY_SHOPS_BUCKET = "shops";

/** The settings an older connect kept per shop; only what a connection holds is read. */
const LegacyShop = z.object({
  shop: z.string(),
  name: z.string().nullable().default(null),
  currency: z.string().regex(/^[A-Z]{3}$/),
  timezone: z.string(),
  status: z.enum(["installing", "backfilling", "live", "uninstalled", "redacted"]),
  installedAt: z.string(),
  webhooks: z.array(z.string()).default([]),
});
type LegacyShop = z.infer<typeof LegacyShop>;

export interface MigrationDeps {
  bucket: (name: string, options: { history: number }) => Promise<KV>;
  /** TOKEN_ENCRYPTION_KEY, which sealed the old tokens too. */
  sealKey: Buffer;
  connections: Connections;
  /** SHOPIFY_API_URL, kept in the credentials as an install now keeps it. */
  apiUrl?: string | undefined;
  log: Logger;
}

const STATUS: Record<LegacyShop["status"], Connection["status"] | null> = {
  installing: "connecting",
  backfilling: "backfilling",
  live: "live",
  uninstalled: "disconnected",
  // Its rows were being removed: nothing of it is to be kept.
  redacted: null,
};

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function entries(kv: KV): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for await (const k of await kv.keys()) {
    const entry = await kv.get(k);
    if (entry && entry.operation === "PUT" && entry.value.length) found.set(k, decode(entry.value));
  }
  return found;
}

/**
 * Moves every shop of the old buckets into `connections` and purges it there; a shop already in
 * `connections` (a reinstall since, or a run interrupted after the put) keeps its entry. Running it
 * again finds nothing to move. Resolves to the number of shops moved.
 */
export async function migrateLegacyTokens(deps: MigrationDeps): Promise<number> {
  const [tokensKv, shopsKv] = await Promise.all([
    deps.bucket(LEGACY_TOKENS_BUCKET, { history: 1 }),
    deps.bucket(LEGACY_SHOPS_BUCKET, { history: 5 }),
  ]);
  const [tokens, shops] = await Promise.all([entries(tokensKv), entries(shopsKv)]);
  let moved = 0;
  for (const [k, json] of shops) {
    const shop = LegacyShop.parse(JSON.parse(json));
    if (await moveShop(deps, shop, tokens.get(k))) moved++;
    // Token first: a crash between the two leaves settings without a secret, never the reverse.
    await tokensKv.purge(k);
    await shopsKv.purge(k);
    tokens.delete(k);
  }
  // A token whose settings never got written (an install that stopped half-way) had no working store.
  for (const k of tokens.keys()) await tokensKv.purge(k);
  if (moved || tokens.size)
    deps.log.info(
      { platform: PLATFORM, moved, droppedUnfinished: tokens.size },
      "Shopify shops moved from shop_tokens/shops into connections",
    );
  return moved;
}

async function moveShop(deps: MigrationDeps, shop: LegacyShop, sealed: string | undefined) {
  const status = STATUS[shop.status];
  if (!status || (await deps.connections.get(PLATFORM, shop.shop))) return false;
  const credentials: ShopifyCredentials | null = sealed
    ? { shop: shop.shop, accessToken: open(deps.sealKey, sealed, shop.shop), apiUrl: deps.apiUrl }
    : null;
  const now = new Date().toISOString();
  await deps.connections.put({
    platform: PLATFORM,
    shop: shop.shop,
    status: credentials ? status : "disconnected",
    name: shop.name,
    currency: shop.currency,
    timezone: shop.timezone,
    connectedAt: shop.installedAt,
    updatedAt: now,
    credentials: credentials ? deps.connections.sealCredentials(PLATFORM, shop.shop, credentials) : "",
    webhooks: shop.webhooks,
    error: null,
  });
  return true;
}
