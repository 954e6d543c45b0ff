import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlString } from "../core/questdb.ts";
import { BC_APP_USER, FakeBigCommercePlatform } from "./fakes/bigcommerce/platform.ts";
import { BC_PII, type BcOrderSpec, type FakeBigCommerce } from "./fakes/bigcommerce/store.ts";
import { eventually } from "./support/eventually.ts";
import { CookieJar } from "./support/shopify-connect.ts";
import { startTestStack } from "./support/stack.ts";

/**
 * The BigCommerce connect flow on the real stack (NATS, QuestDB, ingest, processors, connect) with
 * the fake BigCommerce (login server + API) standing in: the app install's code grant, the load and
 * uninstall callbacks, the API-token form, the history and live hooks that follow. Expected values
 * come from the fixtures generated below.
 */

const CLIENT_ID = "metricsdash-bc-test-client";
const CLIENT_SECRET = "bc-test-client-secret-0123456789";
const STORE_WEBHOOK_KEY = "test-store-webhook-key-0123456789abcdef";
const APP_STORE = "apphash01";
const TOKEN_STORE = "tokhash02";
const DAY = 86_400_000;
const TOKEN_SCOPES = [
  "store_v2_orders_read_only",
  "store_v2_products_read_only",
  "store_v2_information_read_only",
];

let platform: FakeBigCommercePlatform;
let appStore: FakeBigCommerce;
let tokenStore: FakeBigCommerce;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let connectUrl: string;
let nc: NatsConnection;

interface Fixture extends BcOrderSpec {
  totalMinor: number;
}

/** `inWindow` orders over the last 58 days and `older` ones 62–90 days back (the window is 60 days). */
function fixtures(inWindow: number, older: number, seed: number): Fixture[] {
  const now = Date.now();
  const orders: Fixture[] = [];
  for (let i = 0; i < inWindow + older; i++) {
    const daysAgo = i < inWindow ? 0.1 + (i * 57.8) / inWindow : 62 + ((i - inWindow) * 28) / older;
    const quantity = 1 + ((i + seed) % 3);
    const unitMinor = 1000 + ((i * 37 + seed) % 900);
    const shippingMinor = i % 2 ? 500 : 0;
    orders.push({
      id: 100 + i,
      createdAt: new Date(now - daysAgo * DAY).toISOString().replace(/\.\d{3}Z$/, "Z"),
      customerId: 3000 + i,
      lines: [{ id: 10_000 + i, productId: 70 + (i % 5), sku: `SKU-${i % 5}`, quantity, unitMinor }],
      shippingMinor,
      totalMinor: quantity * unitMinor + shippingMinor,
    });
  }
  return orders;
}

const APP_ORDERS = fixtures(90, 30, 1);
const TOKEN_ORDERS = fixtures(7, 3, 2);
const inWindow = (orders: Fixture[]) => orders.filter((o) => Date.parse(o.createdAt) > Date.now() - 60 * DAY);

async function seed(store: FakeBigCommerce, orders: Fixture[]) {
  for (const { totalMinor: _, ...spec } of orders) await store.createOrder(spec);
}

beforeAll(async () => {
  platform = await FakeBigCommercePlatform.start();
  appStore = platform.addStore(APP_STORE);
  tokenStore = platform.addStore(TOKEN_STORE);
  for (const store of [appStore, tokenStore]) store.quota = 5000; // history speed is not what is tested here
  await seed(appStore, APP_ORDERS);
  await seed(tokenStore, TOKEN_ORDERS);
  stack = await startTestStack({
    STORE_WEBHOOK_KEY,
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    BIGCOMMERCE_CLIENT_ID: CLIENT_ID,
    BIGCOMMERCE_CLIENT_SECRET: CLIENT_SECRET,
    BIGCOMMERCE_LOGIN_URL: platform.loginUrl,
    BIGCOMMERCE_API_URL: platform.apiUrl,
  });
  connectUrl = stack.connectUrl!;
  platform.registerApp({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    scopes: [...TOKEN_SCOPES, "store_channel_listings_read_only"],
    authCallback: `${connectUrl}/bigcommerce/auth`,
    loadCallback: `${connectUrl}/bigcommerce/load`,
    uninstallCallback: `${connectUrl}/bigcommerce/uninstall`,
  });
  nc = await connect({ servers: stack.natsUrl });
}, 300_000);
afterAll(async () => {
  await nc?.close();
  await stack?.stop();
  await platform?.stop();
});

/** The browser: follows nothing by itself, keeps cookies. */
async function browse(url: string, jar: CookieJar, init: RequestInit = {}) {
  const response = await fetch(url, {
    ...init,
    redirect: "manual",
    headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
  });
  jar.take(response);
  return { status: response.status, location: response.headers.get("location"), body: await response.text() };
}

const problemOf = (body: string) => /data-problem="([^"]+)"/.exec(body)?.[1];
/** The progress URL a status page polls. */
const progressUrlOf = (body: string) => /const url = "([^"]+)"/.exec(body)?.[1] ?? "";

interface Progress {
  phase: string;
  percent: number;
  status: string;
  currency: string;
  timezone: string;
  orders: { published: number; total: number | null };
  visibleOrders: number | null;
}

/** Polls a progress URL (the status route with the browser's cookie, or a page's view URL). */
async function waitForDone(progressUrl: string, jar = new CookieJar()): Promise<Progress> {
  return eventually(
    async () => {
      const response = await browse(`${connectUrl}${progressUrl}`, jar);
      expect(response.status).toBe(200);
      const progress = JSON.parse(response.body) as Progress;
      expect(progress.percent).toBe(100);
      return progress;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}

async function totals(shop: string) {
  const [row] = (
    await stack.db.exec<[number, number]>(
      `SELECT count(), sum(total_minor) FROM orders WHERE platform = 'bigcommerce' AND shop = ${sqlString(shop)}`,
    )
  ).dataset;
  return { orders: row?.[0] ?? 0, revenue: row?.[1] ?? 0 };
}

/** The raw `connections` entry of a store, as it sits in NATS KV. */
async function rawConnection(shop: string): Promise<string> {
  const kv = await new Kvm(jetstream(nc)).open("connections");
  for await (const key of await kv.keys()) {
    const entry = await kv.get(key);
    const text = entry ? new TextDecoder().decode(entry.value) : "";
    if (text.includes(`"shop":"${shop}"`)) return text;
  }
  throw new Error(`no connection entry for ${shop}`);
}

/** Our per-store secret, worked out from STORE_WEBHOOK_KEY as core/store-secrets.ts documents it. */
const secretOf = (shop: string) =>
  createHmac("sha256", STORE_WEBHOOK_KEY)
    .update(`webhook-secret\u0000bigcommerce\u0000${shop}`)
    .digest("base64url");

function thinCallback(shop: string, orderId: number) {
  return JSON.stringify({
    created_at: Math.floor(Date.now() / 1000),
    store_id: "1009999",
    producer: `stores/${shop}`,
    scope: "store/order/created",
    hash: randomBytes(20).toString("hex"),
    data: { type: "order", id: orderId },
  });
}

const postToIngest = (body: string, headers: Record<string, string>) =>
  fetch(`${stack.ingestUrl}/webhooks/bigcommerce`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });

const appJar = new CookieJar();
let installUrl: string;

describe("the app install", () => {
  it("exchanges the code, seals the token, creates our hooks and loads 60 days of history", async () => {
    installUrl = platform.clickInstall(APP_STORE);
    appStore.throttleNext(2, 200); // other apps spent the store's quota: the first calls get 429
    // BigCommerce shows the answer in its control panel's iframe: the status page itself.
    const done = await browse(installUrl, appJar);
    expect(done.status, done.body).toBe(200);
    expect(done.body).toContain("Connecting Tote Test Store");
    expect(platform.exchanges).toEqual([{ status: 200 }]);
    const viewUrl = progressUrlOf(done.body);
    expect(viewUrl).toMatch(new RegExp(`^/bigcommerce/progress/${APP_STORE}\\?view=`));

    // In the iframe no cookie of ours is kept: the page's own URL must be enough.
    const progress = await waitForDone(viewUrl);
    // A browser that keeps cookies also opens the status page at its usual address.
    expect((await browse(`${connectUrl}/stores/bigcommerce/${APP_STORE}`, appJar)).status).toBe(200);
    expect((await waitForDone(`/stores/bigcommerce/${APP_STORE}/progress`, appJar)).percent).toBe(100);
    const expected = inWindow(APP_ORDERS);
    expect(expected).toHaveLength(90);
    expect(appStore.requests.slice(0, 3).map((r) => [r.path, r.status])).toEqual([
      ["/v2/store", 429],
      ["/v2/store", 429],
      ["/v2/store", 200],
    ]);
    expect(progress).toMatchObject({
      phase: "done",
      currency: "USD",
      timezone: "America/Chicago",
      orders: { published: expected.length, total: expected.length },
    });
    expect(await totals(APP_STORE)).toEqual({
      orders: expected.length,
      revenue: expected.reduce((sum, o) => sum + o.totalMinor, 0),
    });

    // Our seven hooks, made with the app's token, each sending our secret and naming the store.
    expect(appStore.hooks.map((h) => h.scope).sort()).toEqual(
      [
        "store/order/archived",
        "store/order/created",
        "store/order/refund/created",
        "store/order/statusUpdated",
        "store/order/updated",
        "store/product/inventory/updated",
        "store/sku/inventory/updated",
      ].sort(),
    );
    for (const hook of appStore.hooks) {
      expect(hook.account).toBe(`app:${CLIENT_ID}`);
      expect(hook.destination).toBe(`${stack.ingestUrl}/webhooks/bigcommerce`);
      expect(hook.headers).toEqual({
        "X-Webhook-Secret": secretOf(APP_STORE),
        "X-MetricsDash-Store": APP_STORE,
      });
    }
  });

  it("keeps the token sealed: the KV entry holds neither it nor the installer's details", async () => {
    const raw = await rawConnection(APP_STORE);
    const token = platform.issuedTokens.at(-1)!;
    expect(raw).not.toContain(token);
    expect(raw).not.toContain(BC_APP_USER.email);
    const entry = JSON.parse(raw) as { status: string; credentials: string; name: string };
    expect(entry.status).toBe("live");
    expect(entry.name).toBe("Tote Test Store");
    expect(entry.credentials.length).toBeGreaterThan(token.length);
  });

  it("an order placed after the install arrives through our hook and lands", async () => {
    // By hand: 2 × 31.25 + shipping 4.50 = 67.00.
    await appStore.createOrder({
      id: 9001,
      createdAt: new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
      lines: [{ id: 90_011, productId: 71, sku: "LIVE", quantity: 2, unitMinor: 3125 }],
      shippingMinor: 450,
    });
    const delivery = appStore.deliveries.filter((d) => d.scope === "store/order/created").at(-1);
    expect(delivery?.status).toBe(200);
    const row = await eventually(async () => {
      const rows = await stack.db.rows(
        `SELECT total_minor, item_count FROM orders WHERE platform = 'bigcommerce' AND shop = '${APP_STORE}' AND order_id = '9001'`,
      );
      expect(rows).toHaveLength(1);
      return rows[0]!;
    });
    expect(row).toEqual({ total_minor: 6700, item_count: 2 });
  });

  it("refuses a callback carrying another store's secret (401)", async () => {
    const response = await postToIngest(thinCallback(APP_STORE, 101), {
      "X-Webhook-Secret": secretOf(TOKEN_STORE),
      "X-MetricsDash-Store": APP_STORE,
    });
    expect(response.status).toBe(401);
  });

  it("refuses a replayed or forged code with a page, and issues no token for it", async () => {
    const issued = platform.issuedTokens.length;
    const replay = await browse(installUrl, new CookieJar());
    expect(replay.status).toBe(400);
    expect(problemOf(replay.body)).toBe("bc_install_refused");
    const forged = new URL(installUrl);
    forged.searchParams.set("code", "guessed-code-123");
    const attempt = await browse(forged.toString(), new CookieJar());
    expect(attempt.status).toBe(400);
    expect(attempt.body).toContain("confirm this install");
    platform.codeTtlMs = 0; // a code the merchant's browser took too long to bring back
    try {
      const late = platform.clickInstall(APP_STORE);
      await new Promise((r) => setTimeout(r, 20));
      expect(problemOf((await browse(late, new CookieJar())).body)).toBe("bc_install_refused");
    } finally {
      platform.codeTtlMs = 60_000;
    }
    const incomplete = await browse(`${connectUrl}/bigcommerce/auth?code=abc`, new CookieJar());
    expect(problemOf(incomplete.body)).toBe("bc_bad_callback");
    expect(platform.issuedTokens).toHaveLength(issued);
    expect(platform.exchanges.slice(-3).map((e) => e.status)).toEqual([400, 400, 400]);
  });

  it("explains a grant that lacks a scope we read, and connects nothing", async () => {
    const store = platform.addStore("narrowhash");
    platform.app!.scopes = ["store_v2_orders_read_only", "store_v2_information"];
    try {
      const attempt = await browse(platform.clickInstall("narrowhash"), new CookieJar());
      expect(attempt.status).toBe(403);
      expect(problemOf(attempt.body)).toBe("bc_missing_scopes");
      expect(attempt.body).toContain("<li>Products: read-only</li>");
      expect(store.hooks).toHaveLength(0);
    } finally {
      platform.app!.scopes = [...TOKEN_SCOPES, "store_channel_listings_read_only"];
    }
  });
});

describe("the load callback", () => {
  it("shows the store's progress for a valid signed payload, without any cookie", async () => {
    const load = await browse(platform.clickLoad(APP_STORE), new CookieJar());
    expect(load.status).toBe(200);
    const viewUrl = progressUrlOf(load.body);
    expect((await waitForDone(viewUrl)).phase).toBe("done");
    const tampered = viewUrl.replace(/view=(\d+)\./, (_, at: string) => `view=${Number(at) + 1000}.`);
    expect((await browse(`${connectUrl}${tampered}`, new CookieJar())).status).toBe(403);
    const otherStore = viewUrl.replace(APP_STORE, TOKEN_STORE);
    expect((await browse(`${connectUrl}${otherStore}`, new CookieJar())).status).toBe(403);
  });

  it("answers remove_user for a signed payload only (nothing is kept per user)", async () => {
    const signed = await fetch(
      `${connectUrl}/bigcommerce/remove_user?signed_payload_jwt=${platform.payload(APP_STORE)}`,
    );
    expect(signed.status).toBe(200);
    const forged = platform.payload(APP_STORE, {}, "not-the-client-secret-000");
    expect((await fetch(`${connectUrl}/bigcommerce/remove_user?signed_payload_jwt=${forged}`)).status).toBe(
      401,
    );
  });

  it("refuses a payload signed with another secret, or for another app", async () => {
    const forged = `${connectUrl}/bigcommerce/load?signed_payload_jwt=${platform.payload(APP_STORE, {}, "not-the-client-secret-000")}`;
    const jar = new CookieJar();
    const attempt = await browse(forged, jar);
    expect(attempt.status).toBe(401);
    expect(problemOf(attempt.body)).toBe("bc_invalid_request");
    expect(jar.header()).toBe("");
    const other = await browse(
      `${connectUrl}/bigcommerce/load?signed_payload_jwt=${platform.payload(APP_STORE, { aud: "another-app" })}`,
      jar,
    );
    expect(other.status).toBe(401);
  });
});

describe("the store API token", () => {
  const tokenJar = new CookieJar();
  const form = (storeHash: string, token: string, origin = connectUrl) =>
    browse(`${connectUrl}/bigcommerce/token`, tokenJar, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin },
      body: new URLSearchParams({ store_hash: storeHash, token }).toString(),
    });

  it("is offered on the connect page with the scopes to tick", async () => {
    const page = await browse(`${connectUrl}/`, new CookieJar());
    expect(page.status).toBe(200);
    for (const id of ["bc-store-hash", "bc-token"]) expect(page.body).toContain(`id="${id}"`);
    for (const scope of ["Orders: read-only", "Products: read-only", "Information &amp; settings: read-only"])
      expect(page.body).toContain(scope);
  });

  it("explains a wrong hash, another store's token, a missing scope and a cross-site post", async () => {
    const token = tokenStore.createApiAccount(TOKEN_SCOPES);
    const unknown = await form("nosuchstore", token);
    expect([unknown.status, problemOf(unknown.body)]).toEqual([404, "bc_unknown_store"]);
    const malformed = await form("not a hash!", token);
    expect([malformed.status, problemOf(malformed.body)]).toEqual([400, "bc_bad_hash"]);
    const foreign = await form(TOKEN_STORE, appStore.createApiAccount(TOKEN_SCOPES));
    expect([foreign.status, problemOf(foreign.body)]).toEqual([400, "bc_token_refused"]);
    const narrow = await form(TOKEN_STORE, tokenStore.createApiAccount(["store_v2_orders_read_only"]));
    expect([narrow.status, problemOf(narrow.body)]).toEqual([403, "bc_missing_scopes"]);
    expect(narrow.body).toContain("<li>Products: read-only</li>");
    expect(narrow.body).toContain("<li>Information &amp; settings: read-only</li>");
    const crossSite = await form(TOKEN_STORE, token, "https://evil.example");
    // Connect's edge refuses it before the flow sees it (every form, not only this one).
    expect([crossSite.status, JSON.parse(crossSite.body)]).toMatchObject([
      403,
      { error: { code: "cross_origin" } },
    ]);
    expect(tokenStore.hooks).toHaveLength(0);
    expect((await browse(`${connectUrl}/stores/bigcommerce/${TOKEN_STORE}/progress`, tokenJar)).status).toBe(
      404,
    );
  });

  it("connects a second store from its pasted API path and token", async () => {
    const token = tokenStore.createApiAccount(TOKEN_SCOPES, "metricsdash-by-hand");
    const done = await form(`https://api.bigcommerce.com/stores/${TOKEN_STORE}/v3/`, token);
    expect(done.status, done.body).toBe(303);
    expect(done.location).toBe(`/stores/bigcommerce/${TOKEN_STORE}`);
    const progress = await waitForDone(`/stores/bigcommerce/${TOKEN_STORE}/progress`, tokenJar);
    const expected = inWindow(TOKEN_ORDERS);
    expect(progress.orders).toEqual({ published: expected.length, total: expected.length });
    expect(await totals(TOKEN_STORE)).toEqual({
      orders: expected.length,
      revenue: expected.reduce((sum, o) => sum + o.totalMinor, 0),
    });
    expect(tokenStore.hooks.every((h) => h.account === "metricsdash-by-hand")).toBe(true);
    expect(await rawConnection(TOKEN_STORE)).not.toContain(token);
    // The other store's cookie opens nothing here.
    expect((await browse(`${connectUrl}/stores/bigcommerce/${TOKEN_STORE}/progress`, appJar)).status).toBe(
      403,
    );
  });
});

describe("the uninstall callback", () => {
  it("refuses an unsigned call and keeps the store", async () => {
    const response = await fetch(`${connectUrl}/bigcommerce/uninstall?signed_payload_jwt=a.b.c`);
    expect(response.status).toBe(401);
    expect(JSON.parse(await rawConnection(APP_STORE)).status).toBe("live");
  });

  it("disconnects the store: credentials dropped, its later refs never fetched", async () => {
    expect(await platform.clickUninstall(APP_STORE)).toBe(200);
    const entry = JSON.parse(await rawConnection(APP_STORE)) as { status: string; credentials: string };
    expect(entry).toMatchObject({ status: "disconnected", credentials: "" });
    expect(appStore.hooks).toHaveLength(0); // BigCommerce deletes an uninstalled app's hooks

    // A ref for the uninstalled store (ingest still knows its secret) and one for the connected store:
    // once the second lands, the fetchers have had the first in hand.
    const gone = { id: 9002, createdAt: new Date().toISOString(), lines: [] };
    appStore.orders.set(9002, { spec: gone, statusId: 11, modifiedAt: gone.createdAt, refunds: [] });
    await eventually(async () => {
      // The processors follow the bucket: wait until they have let the store's API go.
      const log = readFileSync(join(stack.dir, "processors.log"), "utf8");
      expect(log).toMatch(new RegExp(`"shop":"${APP_STORE}"[^\\n]*API dropped`));
    });
    const before = appStore.requests.length;
    const stale = await postToIngest(thinCallback(APP_STORE, 9002), {
      "X-Webhook-Secret": secretOf(APP_STORE),
      "X-MetricsDash-Store": APP_STORE,
    });
    expect(stale.status).toBe(200);
    // By hand: 1 × 12.00 = 12.00.
    await tokenStore.createOrder({
      id: 9003,
      createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
      lines: [{ id: 90_031, productId: 72, sku: "AFTER", quantity: 1, unitMinor: 1200 }],
    });
    await eventually(async () => {
      const rows = await stack.db.rows(
        `SELECT total_minor FROM orders WHERE shop = '${TOKEN_STORE}' AND order_id = '9003'`,
      );
      expect(rows).toEqual([{ total_minor: 1200 }]);
    });
    expect(appStore.requests.slice(before)).toEqual([]);
    expect((await totals(APP_STORE)).orders).toBe(inWindow(APP_ORDERS).length + 1);
  });
});

describe("personal data", () => {
  it("neither the installer's details, buyers' details nor tokens reach QuestDB, KV or the logs", async () => {
    const secrets = [...platform.issuedTokens, ...[...tokenStore.tokens.keys()]];
    const forbidden = [BC_APP_USER.email, ...Object.values(BC_PII)];
    for (const table of ["orders", "order_lines"]) {
      const text = JSON.stringify(
        await stack.db.rows(`SELECT * FROM ${table} WHERE platform = 'bigcommerce'`),
      );
      for (const value of forbidden) expect(text, `${table} holds ${value}`).not.toContain(value);
    }
    const kv = (await rawConnection(APP_STORE)) + (await rawConnection(TOKEN_STORE));
    for (const value of [...forbidden, ...secrets]) expect(kv).not.toContain(value);
    for (const log of ["connect.log", "ingest.log", "processors.log"]) {
      const text = readFileSync(join(stack.dir, log), "utf8");
      for (const value of [...forbidden, ...secrets])
        expect(text, `${log} holds ${value}`).not.toContain(value);
    }
  });
});
