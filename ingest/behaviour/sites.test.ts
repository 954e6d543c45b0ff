import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../core/config.ts";
import { createLogger } from "../../core/log.ts";
import { BEHAVIOUR_STREAM, ensureStreams } from "../../core/nats.ts";
import { QuestDb } from "../../core/questdb.ts";
import { BehaviourSiteSync, followConnectedStores, storeScriptTag } from "../../connect/behaviour-sites.ts";
import { Connections, type Connection } from "../../platforms/connections.ts";
import { platforms } from "../../platforms/index.ts";
import { startNatsServer, type NatsServer } from "../../services/nats-server.ts";
import { eventually } from "../../test/support/eventually.ts";
import { collectRoutes } from "./collect.ts";
import { behaviourEnv } from "./config.ts";
import { interactionPublisher } from "./publish.ts";
import { connectedSiteId, SiteBucket } from "./site-bucket.ts";
import { BehaviourSites } from "./sites.ts";

/**
 * Sites of connected stores reach `/collect` at run time: the connect side writes the
 * `behaviour_sites` bucket on a real nats-server, the behaviour process's follower picks each change up, and the
 * endpoint accepts, refuses and forgets sites without being rebuilt.
 */

const log = createLogger("sites-test", "silent");
let nats: NatsServer;
let nc: NatsConnection;
let n = 0;

beforeAll(async () => {
  nats = await startNatsServer({ dir: mkdtempSync(join(tmpdir(), "behaviour-sites-")) });
  nc = await connect({ servers: nats.url });
  await ensureStreams(await jetstreamManager(nc));
}, 300_000);
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

/** A bucket of its own per test (the follower reads the whole bucket). */
async function freshBucket(): Promise<SiteBucket> {
  const kv = await new Kvm(jetstream(nc)).create(`behaviour_sites_test_${++n}`, { history: 1 });
  return new SiteBucket(kv);
}

function endpoint(sites: BehaviourSites) {
  const config = loadConfig(behaviourEnv, {});
  const publish = interactionPublisher(jetstream(nc), 5000);
  const routes = collectRoutes({ config, publish, db: new QuestDb("http://127.0.0.1:9"), log, sites });
  return async (site: string, origin: string) => {
    const now = Date.now();
    const beacon = {
      site,
      session: randomBytes(12).toString("hex"),
      view: randomBytes(12).toString("hex"),
      seq: 0,
      path: "/products/mug",
      vw: 1000,
      vh: 700,
      start: now - 1000,
      sent: now,
      events: [{ k: "scroll", at: now, depth: 700, height: 2000 }],
    };
    const res = await routes.request("/collect", {
      method: "POST",
      headers: { "content-type": "text/plain", origin },
      body: JSON.stringify(beacon),
    });
    return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
  };
}

const storedBatches = async () =>
  (await (await jetstreamManager(nc)).streams.info(BEHAVIOUR_STREAM)).state.messages;

describe("behaviour sites followed from KV", () => {
  it("accepts a site once written, refuses a wrong origin, forgets it once deleted — no restart", async () => {
    const bucket = await freshBucket();
    const sites = new BehaviourSites({}, 100);
    const stop = new AbortController();
    await sites.follow(bucket, log, stop.signal);
    const collect = endpoint(sites);
    const sync = new BehaviourSiteSync(bucket);
    const store = { platform: "woocommerce", shop: "mugs.example/shop", connected: true };
    const id = connectedSiteId(store.platform, store.shop);

    expect((await collect(id, "https://mugs.example")).status).toBe(403);
    expect(await sync.apply(store)).toBe("written");
    const before = await storedBatches();
    const accepted = await eventually(
      async () => {
        const answer = await collect(id, "https://mugs.example");
        if (answer.status !== 202) throw new Error(`still ${answer.status}`);
        return answer;
      },
      { timeoutMs: 5000, intervalMs: 20 },
    );
    expect(accepted.body).toMatchObject({ ok: true });
    expect(await storedBatches()).toBe(before + 1);

    const wrong = await collect(id, "https://evil.example");
    expect(wrong).toMatchObject({ status: 403, body: { error: { code: "origin_not_allowed" } } });
    // A CORS preflight from the store's origin is answered, one from elsewhere is not.
    const preflight = (origin: string) =>
      collectRoutes({
        config: loadConfig(behaviourEnv, {}),
        publish: async () => ({ duplicate: false }),
        db: new QuestDb("http://127.0.0.1:9"),
        log,
        sites,
      }).request("/collect", { method: "OPTIONS", headers: { origin } });
    expect((await preflight("https://mugs.example")).status).toBe(204);
    expect((await preflight("https://evil.example")).status).toBe(403);

    expect(await sync.apply({ ...store, connected: false })).toBe("removed");
    await eventually(
      async () => {
        const answer = await collect(id, "https://mugs.example");
        if (answer.status !== 403) throw new Error(`still ${answer.status}`);
        expect(answer.body.error?.code).toBe("unknown_site");
      },
      { timeoutMs: 5000, intervalMs: 20 },
    );
    expect((await preflight("https://mugs.example")).status).toBe(403);
    stop.abort();
  });

  it("has what the bucket held when it starts, and keeps BEHAVIOUR_SITES over an entry of the same id", async () => {
    const bucket = await freshBucket();
    await bucket.put("shared-id", {
      shop: "kv.example",
      platform: "shopify",
      origins: ["https://kv.example"],
    });
    await bucket.put("kv-only", { shop: "b.example", platform: "shopify", origins: ["https://b.example"] });
    const env = {
      "shared-id": { shop: "env.example", platform: "shopify", origins: ["https://env.example"] },
    };
    const sites = new BehaviourSites(env, 100);
    const stop = new AbortController();
    await sites.follow(bucket, log, stop.signal);
    // No waiting: follow() resolved after the replay, as at a restart of the behaviour process.
    expect(sites.get("kv-only")?.site.shop).toBe("b.example");
    expect(sites.get("shared-id")?.site.shop).toBe("env.example");
    expect(sites.hasOrigin("https://kv.example")).toBe(false);
    const collect = endpoint(sites);
    expect((await collect("shared-id", "https://env.example")).status).toBe(202);
    expect((await collect("shared-id", "https://kv.example")).status).toBe(403);
    stop.abort();
  });

  it("starts when the last entry the bucket holds is not a site", async () => {
    const bucket = await freshBucket();
    await bucket.put("good", { shop: "g.example", platform: "shopify", origins: ["https://g.example"] });
    await bucket.kv.put("zz-junk", "{not json");
    const sites = new BehaviourSites({}, 10);
    const stop = new AbortController();
    await sites.follow(bucket, log, stop.signal);
    expect(sites.get("good")?.site.shop).toBe("g.example");
    expect(sites.connectedCount).toBe(1);
    stop.abort();
  });

  it("stays within its cap and skips entries that are not sites", async () => {
    const bucket = await freshBucket();
    const sites = new BehaviourSites({}, 2);
    const stop = new AbortController();
    await sites.follow(bucket, log, stop.signal);
    await bucket.kv.put("junk", "{not json");
    await bucket.kv.put("no-origins", JSON.stringify({ shop: "x", platform: "shopify", origins: [] }));
    for (const name of ["a", "b", "c"])
      await bucket.put(name, {
        shop: `${name}.example`,
        platform: "shopify",
        origins: [`https://${name}.example`],
      });
    // A marker written last: once it is seen, everything before it was applied (the watch is ordered).
    await bucket.remove("a");
    await bucket.put("d", { shop: "d.example", platform: "shopify", origins: ["https://d.example"] });
    await eventually(async () => expect(sites.get("d")).toBeDefined(), { timeoutMs: 5000, intervalMs: 20 });
    expect(sites.get("junk")).toBeUndefined();
    expect(sites.get("no-origins")).toBeUndefined();
    // a and b filled the cap, c was refused; a's removal made room for d.
    expect(["a", "b", "c", "d"].filter((id) => sites.get(id))).toEqual(["b", "d"]);
    expect(sites.connectedCount).toBe(2);
    stop.abort();
  });

  it("site ids fit SiteId and tell stores apart that slug alike", () => {
    const long = connectedSiteId("woocommerce", `${"x".repeat(300)}.example`);
    expect(long).toMatch(/^[a-z0-9-]{1,64}$/);
    expect(connectedSiteId("shopify", "a.b")).not.toBe(connectedSiteId("shopify", "a-b"));
    expect(connectedSiteId("shopify", "acme.myshopify.com")).toMatch(
      /^shopify-acme-myshopify-com-[0-9a-f]{8}$/,
    );
  });
});

describe("connect writes a site for each connected store", () => {
  const connection = (
    connections: Connections,
    shop: string,
    status: Connection["status"],
    platform = "bigcommerce",
  ): Connection => ({
    platform,
    shop,
    status,
    name: null,
    currency: "USD",
    timezone: null,
    connectedAt: "2026-12-01T10:00:00.000Z",
    updatedAt: "2026-12-01T10:00:00.000Z",
    credentials: connections.sealCredentials(platform, shop, { storeHash: shop }),
    webhooks: [],
    error: null,
  });

  it("from the connections bucket, Shopify's app installs among them, removed when they leave", async () => {
    const bucket = await freshBucket();
    const kvm = new Kvm(jetstream(nc));
    const connections = new Connections(
      await kvm.create(`connections_sites_test_${++n}`, { history: 5 }),
      randomBytes(32),
    );
    const stop = new AbortController();
    await followConnectedStores(new BehaviourSiteSync(bucket), connections, log, stop.signal);
    const sites = new BehaviourSites({}, 100);
    await sites.follow(bucket, log, stop.signal);
    const collect = endpoint(sites);

    await connections.put(connection(connections, "abc123", "backfilling"));
    await connections.put(connection(connections, "acme.myshopify.com", "live", "shopify"));
    const bcId = connectedSiteId("bigcommerce", "abc123");
    const shopifyId = connectedSiteId("shopify", "acme.myshopify.com");
    const accepted = async (id: string, origin: string) =>
      eventually(
        async () => {
          const answer = await collect(id, origin);
          if (answer.status !== 202) throw new Error(`${id}: still ${answer.status}`);
        },
        { timeoutMs: 5000, intervalMs: 20 },
      );
    await accepted(bcId, "https://store-abc123.mybigcommerce.com");
    await accepted(shopifyId, "https://acme.myshopify.com");

    // The status page's tag names the site connect wrote, on the behaviour process's public address.
    expect(storeScriptTag("https://sdk.example/", "bigcommerce", "abc123", platforms)).toBe(
      `<script src="https://sdk.example/sdk.js" data-site="${bcId}" async></script>`,
    );

    await connections.disconnect("bigcommerce", "abc123");
    await connections.disconnect("shopify", "acme.myshopify.com");
    await eventually(
      async () => {
        expect((await collect(bcId, "https://store-abc123.mybigcommerce.com")).status).toBe(403);
        expect((await collect(shopifyId, "https://acme.myshopify.com")).status).toBe(403);
      },
      { timeoutMs: 5000, intervalMs: 20 },
    );
    stop.abort();
  });
});
