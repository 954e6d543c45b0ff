import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import { seal } from "../../core/seal.ts";
import { startNatsServer, type NatsServer } from "../../services/nats-server.ts";
import { Connections, CONNECTIONS_BUCKET } from "../connections.ts";
import { ShopifyCredentials } from "./api.ts";
import { LEGACY_SHOPS_BUCKET, LEGACY_TOKENS_BUCKET, migrateLegacyTokens } from "./legacy-tokens.ts";

/** The one-time move of an older connect's `shop_tokens` and `shops` into `connections`, on a real NATS KV. */

let nats: NatsServer;
let nc: NatsConnection;
const key = randomBytes(32);
const lines: Record<string, unknown>[] = [];
const log = createLogger("legacy-test", "info", {
  destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
});

beforeAll(async () => {
  nats = await startNatsServer({ dir: mkdtempSync(join(tmpdir(), "legacy-tokens-")) });
  nc = await connect({ servers: nats.url });
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

const legacyShop = (shop: string, status: string, extra: Record<string, unknown> = {}) => ({
  shop,
  platform: "shopify",
  name: `${shop} name`,
  currency: "EUR",
  timezone: "Europe/Berlin",
  scope: "read_orders,read_products,read_inventory",
  status,
  installedAt: "2025-01-02T03:04:05.000Z",
  uninstalledAt: null,
  webhooks: ["ORDERS_CREATE", "APP_UNINSTALLED"],
  ...extra,
});

describe("moving Shopify tokens from shop_tokens into connections", () => {
  it("moves each shop once, keeps a newer connection, and finds nothing the second time", async () => {
    const kvm = new Kvm(jetstream(nc));
    const bucket = (name: string, options: { history: number }) => kvm.create(name, options);
    const tokens = await bucket(LEGACY_TOKENS_BUCKET, { history: 1 });
    const shops = await bucket(LEGACY_SHOPS_BUCKET, { history: 5 });
    const connections = new Connections(await bucket(CONNECTIONS_BUCKET, { history: 5 }), key);
    // As the old ConnectStore wrote them: the token sealed with the shop as associated data.
    const old = {
      live: ["live.myshopify.com", "shpat_live_token"],
      filling: ["filling.myshopify.com", "shpat_filling_token"],
      reinstalled: ["again.myshopify.com", "shpat_old_token"],
    } as const;
    for (const [shop, token] of Object.values(old)) await tokens.put(shop, seal(key, token, shop));
    await shops.put(old.live[0], JSON.stringify(legacyShop(old.live[0], "live")));
    await shops.put(old.filling[0], JSON.stringify(legacyShop(old.filling[0], "backfilling")));
    await shops.put(old.reinstalled[0], JSON.stringify(legacyShop(old.reinstalled[0], "live")));
    await shops.put("gone.myshopify.com", JSON.stringify(legacyShop("gone.myshopify.com", "uninstalled")));
    await shops.put("erased.myshopify.com", JSON.stringify(legacyShop("erased.myshopify.com", "redacted")));
    // Reinstalled with the new code before the migration ran: its entry is the newer one.
    const newer = {
      platform: "shopify",
      shop: old.reinstalled[0],
      status: "live" as const,
      name: "again",
      currency: "USD",
      timezone: "America/New_York",
      connectedAt: "2025-06-01T00:00:00.000Z",
      updatedAt: "2025-06-01T00:00:00.000Z",
      credentials: connections.sealCredentials("shopify", old.reinstalled[0], {
        shop: old.reinstalled[0],
        accessToken: "shpat_new_token",
      }),
      webhooks: [],
      error: null,
    };
    await connections.put(newer);

    const deps = { bucket, sealKey: key, connections, apiUrl: "http://127.0.0.1:1/{shop}", log };
    expect(await migrateLegacyTokens(deps)).toBe(3); // live, filling, gone

    const opened = async (shop: string) => {
      const c = (await connections.get("shopify", shop))!;
      return connections.openCredentials(c, ShopifyCredentials);
    };
    expect(await opened(old.live[0])).toEqual({
      shop: old.live[0],
      accessToken: old.live[1],
      apiUrl: "http://127.0.0.1:1/{shop}",
    });
    expect((await opened(old.filling[0])).accessToken).toBe(old.filling[1]);
    expect((await opened(old.reinstalled[0])).accessToken).toBe("shpat_new_token");
    expect(await connections.get("shopify", old.live[0])).toMatchObject({
      status: "live",
      currency: "EUR",
      timezone: "Europe/Berlin",
      name: `${old.live[0]} name`,
      connectedAt: "2025-01-02T03:04:05.000Z",
      webhooks: ["ORDERS_CREATE", "APP_UNINSTALLED"],
    });
    expect((await connections.get("shopify", old.filling[0]))!.status).toBe("backfilling");
    expect(await connections.get("shopify", "gone.myshopify.com")).toMatchObject({
      status: "disconnected",
      credentials: "",
    });
    expect(await connections.get("shopify", "erased.myshopify.com")).toBeNull();
    // The old buckets hold nothing any more: no sealed token stays behind.
    for (const kv of [tokens, shops]) {
      const left: string[] = [];
      for await (const k of await kv.keys()) left.push(k);
      expect(left).toEqual([]);
    }
    expect(lines.find((l) => l.msg?.toString().includes("moved"))).toMatchObject({ moved: 3 });

    // Idempotent: a second start moves nothing and changes nothing.
    const before = await connections.list();
    expect(await migrateLegacyTokens(deps)).toBe(0);
    expect(await connections.list()).toEqual(before);
  });
});
