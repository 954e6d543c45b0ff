import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENTS_STREAM } from "../core/nats.ts";
import { eventually } from "./support/eventually.ts";
import { orderPayload, ShopifyWebhookSender } from "./support/shopify-webhooks.ts";
import { TEST_CONNECT_ENV } from "./support/shopify-connect.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";
import { shopifySignature } from "../platforms/shopify/webhook-headers.ts";

/**
 * The input boundary on a running stack (ingest, processors, connect, real NATS and QuestDB): names
 * too long for a subject or KV key are refused where they enter, and the services stay connected.
 */

let stack: Awaited<ReturnType<typeof startTestStack>>;
let nc: NatsConnection;
let connectUrl: string;
/** Stands in for what must stay unreachable from a user-named address (QuestDB's /exec, NATS' monitor). */
let inside: Server;
const insideHits: string[] = [];
/** A site on the internet as an attacker sets it up: every path redirects to `inside`. */
let attacker: Server;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  inside = createServer((req, res) => {
    insideHits.push(req.url ?? "");
    res
      .writeHead(200, { "content-type": "application/json" })
      .end('{"home":"https://x.example","namespaces":["wc/v3"]}');
  });
  const insidePort = await listen(inside);
  attacker = createServer((_req, res) =>
    res.writeHead(302, { location: `http://127.0.0.1:${insidePort}/exec?query=drop%20table%20orders` }).end(),
  );
  await listen(attacker);
  stack = await startTestStack({
    ...TEST_CONNECT_ENV,
    STORE_WEBHOOK_KEY: "edge-test-store-webhook-key-0123",
    // WooCommerce's flow only starts behind https; nothing here calls this address.
    CONNECT_PUBLIC_URL: "https://connect.example",
    // The attacker's site is reachable as `localhost` (so the test needs no DNS); 127.0.0.1 is not
    // allow-listed, as no private address is in production.
    OUTBOUND_ALLOW_HTTP: "true",
    OUTBOUND_PRIVATE_HOSTS: "localhost",
    // Each test below is its own visitor (X-Forwarded-For), as behind the TLS proxy of production.
    CONNECT_TRUST_PROXY: "true",
    CONNECT_MAX_STORES_PER_VISITOR: "3",
  });
  connectUrl = stack.connectUrl!;
  nc = await connect({ servers: stack.natsUrl });
}, 300_000);
afterAll(async () => {
  await nc?.close();
  await stack?.stop();
  inside?.closeAllConnections();
  attacker?.closeAllConnections();
  await Promise.all([inside, attacker].map((s) => new Promise((resolve) => s?.close(resolve))));
});

async function storedEvents(): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(EVENTS_STREAM)).state.messages;
}

const order = (sku: string) =>
  orderPayload({
    id: 820982911946154500n,
    createdAt: "2026-11-30T10:00:00Z",
    lines: [{ id: 466157049n, priceCents: 1999, quantity: 1, sku }],
  });

describe("names longer than a subject or KV key may hold", () => {
  it("ingest answers 400 for a 4,100-character SKU or shop, and publishes nothing", async () => {
    const before = await storedEvents();
    const sender = new ShopifyWebhookSender(stack.ingestUrl, TEST_SECRETS.SHOPIFY_API_SECRET);
    const longSku = await sender.deliver("orders/create", order("S".repeat(4100)));
    expect(longSku.status).toBe(400);
    expect(longSku.body).toMatchObject({ error: { code: "invalid_payload", field: "order.lines.0.sku" } });

    const longShop = new ShopifyWebhookSender(
      stack.ingestUrl,
      TEST_SECRETS.SHOPIFY_API_SECRET,
      `${"a".repeat(4100)}.myshopify.com`,
    );
    const shop = await longShop.deliver("orders/create", order("TEE"));
    expect(shop.status).toBe(400);
    expect(shop.body).toMatchObject({ error: { field: "shop" } });

    // The longest SKU allowed still goes through (255 characters, Shopify's own limit).
    const fits = await sender.deliver("orders/create", order("S".repeat(255)));
    expect(fits.status).toBe(200);
    expect(await storedEvents()).toBe(before + 1);
  });

  it("connect answers 404 for /status/<4,100 characters> and keeps its NATS connection", async () => {
    const long = "a".repeat(4100);
    for (const path of [
      `/status/${long}`,
      `/status/${long}/progress`,
      `/stores/woocommerce/${long}`,
      `/stores/woocommerce/${long}/progress`,
      `/stores/${long}/shop`,
      `/status/${encodeURIComponent("é".repeat(300))}`,
    ]) {
      const response = await fetch(`${connectUrl}${path}`);
      expect(response.status, path).toBe(404);
    }
    // A 255-character name is looked up (and not found) like any other.
    expect((await fetch(`${connectUrl}/status/${"b".repeat(255)}`)).status).toBe(404);
    expect((await fetch(`${connectUrl}/readyz`)).status).toBe(200);
    const log = readFileSync(join(stack.dir, "connect.log"), "utf8");
    expect(log).not.toContain("disconnect");
    expect(log).not.toContain("unhandled error");
  });
});

describe("the anonymous WooCommerce connect page names the host it calls", () => {
  it("refuses a site on a private address, and one redirecting there, without reaching it", async () => {
    const insidePort = (inside.address() as AddressInfo).port;
    const attackerPort = (attacker.address() as AddressInfo).port;
    for (const site of [`http://127.0.0.1:${insidePort}`, `http://localhost:${attackerPort}`]) {
      const response = await fetch(`${connectUrl}/woocommerce/connect?site=${encodeURIComponent(site)}`, {
        redirect: "manual",
      });
      // The visitor's address is the problem (400), not the site (502).
      expect(response.status, site).toBe(400);
      expect(await response.text()).toContain("a store address");
    }
    expect(insideHits).toEqual([]);
    const log = readFileSync(join(stack.dir, "connect.log"), "utf8");
    expect(log).toContain("a private address");
  });
});

describe("Shopify app webhooks (app/uninstalled, compliance) act only on what is signed", () => {
  const H = 3_600_000;
  async function appDelivery(
    topic: string,
    headerShop: string,
    body: Record<string, unknown>,
    { webhookId = randomUUID(), triggeredAt = new Date().toISOString() } = {},
  ) {
    const raw = JSON.stringify(body);
    const response = await fetch(`${connectUrl}/webhooks/shopify/app`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-shopify-topic": topic,
        "x-shopify-hmac-sha256": shopifySignature(TEST_SECRETS.SHOPIFY_API_SECRET, raw),
        "x-shopify-shop-domain": headerShop,
        "x-shopify-webhook-id": webhookId,
        "x-shopify-triggered-at": triggeredAt,
      },
      body: raw,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
  const dataRequests = (shop: string) =>
    readFileSync(join(stack.dir, "connect.log"), "utf8")
      .split("\n")
      .filter((line) => line.includes("customer data request") && line.includes(shop)).length;

  it("refuses a body whose shop is not the header's", async () => {
    const answer = await appDelivery("shop/redact", "victim.myshopify.com", {
      shop_id: 1,
      shop_domain: "attacker.myshopify.com",
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: "shop_mismatch" } });
  });

  it("handles a webhook id once: a replay of the same delivery is answered but not acted on", async () => {
    const shop = "replayed.myshopify.com";
    const webhookId = randomUUID();
    const body = { shop_id: 2, shop_domain: shop, customer: { id: 7 }, orders_requested: [] };
    expect((await appDelivery("customers/data_request", shop, body, { webhookId })).status).toBe(200);
    const again = await appDelivery("customers/data_request", shop, body, { webhookId });
    expect(again).toEqual({ status: 200, body: { ok: true, duplicate: true } });
    await expect.poll(() => dataRequests(shop)).toBe(1);
  });

  it("refuses a delivery triggered before the replay window", async () => {
    const shop = "stale.myshopify.com";
    const answer = await appDelivery(
      "customers/data_request",
      shop,
      { shop_id: 3, shop_domain: shop },
      { triggeredAt: new Date(Date.now() - 6 * H).toISOString() },
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: "replay_stale" } });
    expect(dataRequests(shop)).toBe(0);
  });
});

describe("/healthz", () => {
  it("tells a stranger (through a proxy) only that ingest is up; the machine itself sees the counts", async () => {
    const stranger = await fetch(`${stack.ingestUrl}/healthz`, {
      headers: { "x-forwarded-for": "203.0.113.9" },
    });
    expect(await stranger.json()).toEqual({ status: "ok" });
    const local = (await (await fetch(`${stack.ingestUrl}/healthz`)).json()) as Record<string, unknown>;
    expect(local).toMatchObject({ status: "ok", platforms: expect.arrayContaining(["shopify"]) });
    expect(local.webhooks).toBeTypeOf("object");
  });
});

describe("connect's edge", () => {
  const visitor = (address: string, headers: Record<string, string> = {}) => ({
    redirect: "manual" as const,
    headers: { "x-forwarded-for": address, ...headers },
  });

  it("lets one visitor start connecting CONNECT_MAX_STORES_PER_VISITOR stores a day, then answers 429", async () => {
    const start = (address: string) =>
      fetch(`${connectUrl}/woocommerce/connect?site=`, visitor(address)).then((r) => r.status);
    // An empty site is refused (400) after the quota is taken: no store read, still a start.
    expect([await start("198.51.100.7"), await start("198.51.100.7"), await start("198.51.100.7")]).toEqual([
      400, 400, 400,
    ]);
    const refused = await fetch(`${connectUrl}/woocommerce/connect?site=`, visitor("198.51.100.7"));
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain("Too many stores from here today");
    expect(await start("198.51.100.8")).toBe(400); // another visitor is not held back
    // The service writes its log asynchronously: wait for the line rather than read once.
    const log = await eventually(async () => {
      const text = readFileSync(join(stack.dir, "connect.log"), "utf8");
      expect(text).toContain("store connect refused: visitor over quota");
      return text;
    });
    expect(log).not.toContain("198.51.100.7");
  });

  it("answers only to its own host names (DNS rebinding), and takes forms only from its own origin", async () => {
    const port = new URL(connectUrl).port;
    const as = (host: string) =>
      new Promise<number>((resolve, reject) => {
        // fetch won't set Host: a raw request names the host a rebinding page would.
        const req = request({ host: "127.0.0.1", port, path: "/healthz", headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
    expect(await as("attacker.example")).toBe(421);
    expect(await as(`attacker.example:${port}`)).toBe(421);
    expect(await as(`localhost:${port}`)).toBe(200);
    expect(await as("connect.example")).toBe(200); // CONNECT_PUBLIC_URL's host, through a proxy

    const post = (origin: string) =>
      fetch(`${connectUrl}/bigcommerce/token`, {
        method: "POST",
        ...visitor("198.51.100.20", { origin, "content-type": "application/x-www-form-urlencoded" }),
        body: "store_hash=abc&token=x",
      });
    expect((await post("https://attacker.example")).status).toBe(403);
    expect((await post("https://connect.example")).status).not.toBe(403);
  });

  it("refuses a body over 1 MiB with 413, on routes without a limit of their own too (the token form)", async () => {
    const form = await fetch(`${connectUrl}/bigcommerce/token`, {
      method: "POST",
      ...visitor("198.51.100.21", {
        origin: connectUrl,
        "content-type": "application/x-www-form-urlencoded",
      }),
      body: `store_hash=abc&token=${"x".repeat(2 * 1024 * 1024)}`,
    });
    expect(form.status).toBe(413);
  });
});
