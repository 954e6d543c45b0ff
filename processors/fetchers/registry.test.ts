import { mkdtempSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import { Connections, type Connection } from "../../platforms/connections.ts";
import { startNatsServer, type NatsServer } from "../../services/nats-server.ts";
import { eventually } from "../../test/support/eventually.ts";
import { FakeWooCommerce } from "../../test/fakes/woocommerce/store.ts";
import { wooShop } from "../../platforms/woocommerce/normalise.ts";
import { startCatchUpLoop } from "./catchup.ts";
import { ApiRegistry } from "./registry.ts";

let nats: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNatsServer({ dir: mkdtempSync(join(tmpdir(), "api-registry-")) });
  nc = await connect({ servers: nats.url });
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

const log = createLogger("registry-test", "silent");
const connection = (connections: Connections, shop: string, credentials: unknown): Connection => ({
  platform: "woocommerce",
  shop,
  status: "live",
  name: null,
  currency: "EUR",
  timezone: "Europe/Berlin",
  connectedAt: "2026-11-25T10:00:00.000Z",
  updatedAt: "2026-11-25T10:00:00.000Z",
  credentials: connections.sealCredentials("woocommerce", shop, credentials),
  webhooks: [],
  error: null,
});

describe("the fetchers' registry of connected stores", () => {
  it("follows the connections bucket: stores connected, replaced and disconnected while it runs", async () => {
    const key = randomBytes(32);
    const kv = await new Kvm(jetstream(nc)).create("connections_registry_test", { history: 5 });
    const connections = new Connections(kv, key);
    const creds = (site: string) => ({ siteUrl: site, consumerKey: "ck_1", consumerSecret: "cs_1" });
    await connections.put(connection(connections, "before.example", creds("https://before.example/")));

    const registry = new ApiRegistry([]);
    const stop = new AbortController();
    await registry.follow(connections, { customerHashKey: "k".repeat(32), log }, stop.signal);
    // Present before follow() resolved: the first refs after a restart find their store.
    expect(registry.get("woocommerce", "before.example")?.shop).toBe("before.example");

    await connections.put(connection(connections, "after.example", creds("https://after.example/")));
    await eventually(async () =>
      expect(registry.get("woocommerce", "after.example")?.shop).toBe("after.example"),
    );

    // Sealed for one store, copied onto another: it must not open, and must not take others down.
    const stolen = connection(connections, "victim.example", creds("https://victim.example/"));
    await connections.put({ ...stolen, shop: "thief.example" });
    await connections.disconnect("woocommerce", "before.example");
    await eventually(async () => expect(registry.get("woocommerce", "before.example")).toBeUndefined());
    expect(registry.get("woocommerce", "thief.example")).toBeUndefined();
    expect(registry.all().map((api) => api.shop)).toEqual(["after.example"]);
    expect((await connections.get("woocommerce", "before.example"))?.credentials).toBe("");
    stop.abort();
  });

  it("builds a connected Shopify store's API from its sealed token", async () => {
    const kv = await new Kvm(jetstream(nc)).create("connections_registry_shopify", { history: 5 });
    const connections = new Connections(kv, randomBytes(32));
    const shop = "acme.myshopify.com";
    await connections.put({
      ...connection(connections, shop, {}),
      platform: "shopify",
      credentials: connections.sealCredentials("shopify", shop, { shop, accessToken: "shpat_1" }),
    });
    const registry = new ApiRegistry([]);
    const stop = new AbortController();
    await registry.follow(connections, { customerHashKey: "k".repeat(32), log }, stop.signal);
    expect(registry.get("shopify", shop)?.platform).toBe("shopify");
    stop.abort();
  });

  it("never keeps credentials in clear in the bucket", async () => {
    const kv = await new Kvm(jetstream(nc)).create("connections_sealed_test", { history: 5 });
    const connections = new Connections(kv, randomBytes(32));
    await connections.put(
      connection(connections, "s.example", {
        siteUrl: "https://s.example/",
        consumerKey: "ck_visible_if_leaked",
        consumerSecret: "cs_visible_if_leaked",
      }),
    );
    const raw = (await kv.get("woocommerce.s_2eexample"))?.string() ?? "";
    expect(raw).toContain('"shop":"s.example"');
    expect(raw).not.toContain("visible_if_leaked");
  });

  it("marks a connected store failed when the platform refuses its keys, and stops asking", async () => {
    const woo = await FakeWooCommerce.start();
    const stop = new AbortController();
    try {
      const js = jetstream(nc);
      const connections = new Connections(
        await new Kvm(js).create("connections_refused_test", { history: 5 }),
        randomBytes(32),
      );
      const key = woo.createKey("read_write", "MetricsDash - API (created via /wc-auth)");
      const shop = wooShop(`${woo.siteUrl}/`);
      await connections.put(
        connection(connections, shop, {
          siteUrl: `${woo.siteUrl}/`,
          consumerKey: key.consumerKey,
          consumerSecret: key.consumerSecret,
        }),
      );
      const registry = new ApiRegistry([]);
      await registry.follow(connections, { customerHashKey: "k".repeat(32), log }, stop.signal);
      expect(registry.get("woocommerce", shop)).toBeDefined();

      // The merchant deletes our key in WooCommerce → Settings → Advanced → REST API.
      woo.deleteKey(key.keyId);
      const published: unknown[] = [];
      const loop = startCatchUpLoop(() => registry.all(), {
        watermarks: await new Kvm(js).create("catchup_refused_test", { history: 1 }),
        publish: async (events) => {
          published.push(...events);
          return { duplicates: 0 };
        },
        log,
        lookbackMs: 60_000,
        intervalMs: 50,
        keysRefused: (api, err) => registry.keysRefused(api, err, log),
      });
      await eventually(async () =>
        expect((await connections.get("woocommerce", shop))?.status).toBe("failed"),
      );
      expect((await connections.get("woocommerce", shop))?.error).toMatch(/refused our keys.*401/);
      await eventually(async () => expect(registry.get("woocommerce", shop)).toBeUndefined());
      // Dropped from the rounds: no more requests with the dead key.
      const asked = woo.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      await loop.stop();
      expect(woo.requests.length).toBe(asked);
      expect(published.filter((e) => (e as { type: string }).type === "order")).toEqual([]);
    } finally {
      stop.abort();
      await woo.stop();
    }
  });
});
