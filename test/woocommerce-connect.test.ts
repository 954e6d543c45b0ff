import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueState, STATE_TTL_MS, stateKey } from "../platforms/woocommerce/connect.ts";
import { createLogger } from "../core/log.ts";
import { sqlString } from "../core/questdb.ts";
import { parseKey } from "../core/seal.ts";
import { WOO_TOPICS, WooClient } from "../platforms/woocommerce/client.ts";
import { generateWooHistory } from "./fakes/woocommerce/history.ts";
import { phpJson } from "../platforms/woocommerce/php-json.ts";
import { FakeWooCommerce, wooOrderTotals, type WooOrderSpec } from "./fakes/woocommerce/store.ts";
import { eventually } from "./support/eventually.ts";
import { settled } from "./support/settled.ts";
import { startTestStack } from "./support/stack.ts";
import { connectedSiteId } from "../ingest/behaviour/site-bucket.ts";
import { startTlsProxy, type TlsProxy } from "./support/tls-proxy.ts";
import { connectWooStore, waitForWooProgress, wooProgress } from "./support/woocommerce-connect.ts";

/**
 * Connecting WooCommerce stores end to end: the connect page, WooCommerce's approval (the fake
 * follows WC_Auth: keys POSTed to an https callback, deleted unless it answers 200), the 60-day
 * history through real NATS, processors and QuestDB, the store's own webhooks through ingest, and a
 * connect service killed half-way. Expected counts come from the fakes' generated orders.
 */

const TOKEN_ENCRYPTION_KEY = randomBytes(32).toString("base64");
const DAY = 86_400_000;

let proxy: TlsProxy;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let connectUrl: string;
let main: FakeWooCommerce;
let second: FakeWooCommerce;
let mainHistory: WooOrderSpec[];
let secondHistory: WooOrderSpec[];
/** The shop token of a fake by hand: X-WC-Webhook-Source without scheme and trailing slash. */
const shopOf = (store: FakeWooCommerce) => new URL(store.siteUrl).host;
const cookies = new Map<string, string>();

beforeAll(async () => {
  proxy = await startTlsProxy();
  main = await FakeWooCommerce.start();
  main.currency = "EUR";
  main.timezoneString = "Europe/Berlin";
  main.siteName = "Main Street Woo";
  mainHistory = generateWooHistory({ recent: 640, older: 90, seed: 7, currency: "EUR" });
  main.addHistory(mainHistory);
  second = await FakeWooCommerce.start();
  secondHistory = generateWooHistory({ recent: 520, older: 30, seed: 8, firstId: 50_000 });
  second.addHistory(secondHistory);
  stack = await startTestStack({
    STORE_WEBHOOK_KEY: "test-store-webhook-key-0123456789abcdef",
    TOKEN_ENCRYPTION_KEY,
    CONNECT_PUBLIC_URL: proxy.url,
    // One test browser connects a dozen stores; the per-visitor cap is tested in edge.test.ts.
    CONNECT_MAX_STORES_PER_VISITOR: "100",
  });
  proxy.target = Number(new URL(stack.connectUrl!).port);
  connectUrl = proxy.url;
}, 300_000);
afterAll(async () => {
  await stack?.stop();
  await Promise.all([main?.stop(), second?.stop(), proxy?.stop()]);
});

/** By hand from the generated specs: the orders created in the last 60 days and their totals. */
function expected(history: WooOrderSpec[], extra: WooOrderSpec[] = []) {
  const since = Date.now() - 60 * DAY;
  const recent = [...history.filter((o) => Date.parse(o.createdAt) > since), ...extra];
  return { orders: recent.length, revenue: recent.reduce((sum, o) => sum + wooOrderTotals(o).total, 0) };
}

async function landed(shop: string) {
  const [row] = (
    await stack.db.exec<[number, number | null]>(
      `SELECT count(), sum(total_minor) FROM orders WHERE platform = 'woocommerce' AND shop = ${sqlString(shop)}`,
    )
  ).dataset;
  return { orders: row?.[0] ?? 0, revenue: row?.[1] ?? 0 };
}

/** The raw `connections` KV entry of a shop, as NATS holds it. */
async function rawConnection(shop: string): Promise<string | null> {
  const nc = await connect({ servers: stack.natsUrl });
  try {
    const kv = await new Kvm(jetstream(nc)).open("connections");
    for await (const key of await kv.keys()) {
      const entry = await kv.get(key);
      const text = entry ? new TextDecoder().decode(entry.value) : "";
      if (text && (JSON.parse(text) as { shop: string }).shop === shop) return text;
    }
    return null;
  } finally {
    await nc.close();
  }
}

async function postCallback(body: unknown) {
  const response = await fetch(`${connectUrl}/woocommerce/callback`, {
    method: "POST",
    headers: { "content-type": "application/json;charset=UTF-8" },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { error?: { code: string; message: string } },
  };
}

describe("the fake WooCommerce, as documented", () => {
  it("refuses a callback_url that isn't https, and writes with a read key", async () => {
    const authorize = new URL("/wc-auth/v1/authorize", main.siteUrl);
    authorize.search = new URLSearchParams({
      app_name: "x",
      scope: "read_write",
      user_id: "1",
      return_url: "https://app.example/back",
      callback_url: "http://app.example/keys",
    }).toString();
    const page = await fetch(authorize);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain("The callback_url needs to be over SSL");

    const read = main.createKey("read", "test");
    const client = new WooClient(
      main.siteUrl,
      read.consumerKey,
      read.consumerSecret,
      createLogger("t", "silent"),
    );
    await expect(
      client.ensureWebhooks("https://x.example/webhooks/woocommerce", "s", WOO_TOPICS),
    ).rejects.toThrow(/401.*does not have write permissions/);
    main.deleteKey(read.keyId);
  });
});

describe("the connect page", () => {
  it("has a WooCommerce form", async () => {
    const page = await (await fetch(`${connectUrl}/`)).text();
    expect(page).toContain('id="woo-site"');
    expect(page).toContain('id="woo-connect"');
    expect(page).toContain('action="/woocommerce/connect"');
  });

  it("explains an address that isn't a store, a site without WooCommerce, and one that doesn't answer", async () => {
    for (const typed of ["not a store!", "ftp://shop.example", "intranet", ""]) {
      const attempt = await connectWooStore(connectUrl, typed);
      expect(attempt).toMatchObject({ stage: "begin", status: 400 });
      expect(attempt.body).toContain("a store address");
    }
    const noWoo = await connectWooStore(connectUrl, stack.ingestUrl); // answers, but no /wp-json
    expect(noWoo).toMatchObject({ stage: "begin", status: 400 });
    expect(noWoo.body).toContain("find WooCommerce at that address");
    const down = await connectWooStore(connectUrl, "http://127.0.0.1:9");
    expect(down).toMatchObject({ stage: "begin", status: 502 });
    expect(down.body).toContain("reach that site");
  });
});

describe("nothing is connected when", () => {
  it("the merchant denies: a page says so, no key, no hook, nothing stored", async () => {
    const attempt = await connectWooStore(connectUrl, main.siteUrl, { decision: "deny" });
    expect(attempt).toMatchObject({ stage: "return", status: 403 });
    expect(attempt.returnUrl).toMatch(/[?&]success=0&user_id=v1\./);
    expect(attempt.body).toContain("Nothing was connected");
    expect(main.keys).toHaveLength(1); // only the hand-made one
    expect(main.hooks).toHaveLength(0);
    expect(await rawConnection(shopOf(main))).toBeNull();
  });

  it("the key delivery carries a forged or expired state: refused with a reason", async () => {
    const keys = {
      key_id: 77,
      consumer_key: "ck_" + "a".repeat(40),
      consumer_secret: "cs_" + "b".repeat(40),
    };
    const forged = await postCallback({
      ...keys,
      user_id: "v1.AAAA.BBBB.CCCC",
      key_permissions: "read_write",
    });
    expect(forged.status).toBe(403);
    expect(forged.body.error).toMatchObject({
      code: "invalid_state",
      message: expect.stringMatching(/not a state we issued/),
    });
    // Sealed like ours, but with another key.
    const otherKey = stateKey(randomBytes(32));
    const foreign = await postCallback({
      ...keys,
      user_id: issueState(otherKey, main.siteUrl).value,
      key_permissions: "read_write",
    });
    expect(foreign.status).toBe(403);
    const ours = stateKey(parseKey(TOKEN_ENCRYPTION_KEY));
    const expired = await postCallback({
      ...keys,
      user_id: issueState(ours, main.siteUrl, Date.now() - STATE_TTL_MS - 1000).value,
      key_permissions: "read_write",
    });
    expect(expired.status).toBe(400);
    expect(expired.body.error).toMatchObject({
      code: "state_expired",
      message: expect.stringMatching(/expired/),
    });
    const readOnly = await postCallback({
      ...keys,
      user_id: issueState(ours, main.siteUrl).value,
      key_permissions: "read",
    });
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.error).toMatchObject({
      code: "insufficient_permissions",
      message: expect.stringMatching(/needs read_write/),
    });
    expect(await postCallback({ hello: "world" })).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_delivery" } },
    });
    expect(main.hooks).toHaveLength(0);
    expect(await rawConnection(shopOf(main))).toBeNull();
  });

  it("the key delivery is not JSON or too large: refused in the one error shape", async () => {
    const post = async (body: string) => {
      const response = await fetch(`${connectUrl}/woocommerce/callback`, {
        method: "POST",
        headers: { "content-type": "application/json;charset=UTF-8" },
        body,
      });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    expect(await post("{not json")).toEqual({
      status: 400,
      body: { error: { code: "invalid_json", message: "the body is not JSON" } },
    });
    // `{"pad":""}` is 10 bytes: this body is one byte over the callback's 16 KiB limit.
    expect(await post(JSON.stringify({ pad: "x".repeat(16 * 1024 - 9) }))).toEqual({
      status: 413,
      body: { error: { code: "payload_too_large", message: "key delivery too large" } },
    });
  });

  it("the callback fails: WooCommerce deletes the key and shows its error; nothing stored", async () => {
    const attempt = await connectWooStore(connectUrl, main.siteUrl, {
      // The site's address changes between the redirect and the approval: the callback can't trust it.
      onApprovalPage: () => {
        main.homeUrl = "https://moved.example";
      },
    });
    main.homeUrl = main.siteUrl;
    expect(attempt).toMatchObject({ stage: "approve", status: 401 });
    expect(attempt.body).toContain("unable to send the consumer data");
    expect(main.authAttempts.at(-1)).toMatchObject({ outcome: "error", callbackStatus: 409 });
    expect(main.keys).toHaveLength(1);
    expect(await rawConnection(shopOf(main))).toBeNull();
  });

  it("the browser comes back with a valid state and cookie but the keys never came", async () => {
    // Someone starts a connect for a store and walks straight to the return URL.
    const begin = await fetch(`${connectUrl}/woocommerce/connect?site=${encodeURIComponent(main.siteUrl)}`, {
      redirect: "manual",
    });
    expect(begin.status).toBe(302);
    const userId = new URL(begin.headers.get("location")!).searchParams.get("user_id")!;
    const cookie = begin.headers.getSetCookie()[0]!.split(";")[0]!;
    const back = await fetch(`${connectUrl}/woocommerce/return?success=1&user_id=${userId}`, {
      redirect: "manual",
      headers: { cookie },
    });
    expect(back.status).toBe(502);
    expect(await back.text()).toContain("hand over the keys");
    expect(back.headers.getSetCookie().join()).not.toContain("md_store_");
  });
});

describe("connecting a store", () => {
  const shop = () => shopOf(main);

  it("lands on the status page with a read/write key, our webhooks, currency and zone", async () => {
    const attempt = await connectWooStore(connectUrl, `${main.siteUrl}/wp-admin/`);
    expect(attempt).toMatchObject({ stage: "return", status: 302 });
    expect(attempt.location).toBe(`/stores/woocommerce/${encodeURIComponent(shop())}`);
    cookies.set(shop(), attempt.cookies);
    expect(attempt.returnUrl).toMatch(/[?&]success=1&user_id=v1\./);

    const granted = main.keys.at(-1)!;
    expect(main.keys).toHaveLength(2);
    expect(granted.permissions).toBe("read_write");
    expect(granted.description).toMatch(/^MetricsDash - API \(/);
    expect(main.hooks.map((h) => h.topic).sort()).toEqual(
      ["order.created", "order.restored", "order.updated", "product.updated"].sort(),
    );
    for (const hook of main.hooks) {
      expect(hook).toMatchObject({
        deliveryUrl: `${stack.ingestUrl}/webhooks/woocommerce`,
        status: "active",
      });
      expect(hook.secret.length).toBeGreaterThanOrEqual(32);
      expect(hook.secret).toBe(main.hooks[0]!.secret);
    }
    const p = await wooProgress(connectUrl, shop(), attempt.cookies);
    expect(p).toMatchObject({ currency: "EUR", timezone: "Europe/Berlin" });
    // The status page gives the script tag; the site it names is accepted from the store's https
    // origin by the running behaviour process, which was not restarted.
    const site = connectedSiteId("woocommerce", shop());
    expect(p.script).toBe(`<script src="${stack.behaviourUrl}/sdk.js" data-site="${site}" async></script>`);
    const beacon = (origin: string) =>
      fetch(`${stack.behaviourUrl}/collect`, {
        method: "POST",
        headers: { "content-type": "text/plain", origin },
        body: JSON.stringify({
          site,
          session: "a".repeat(24),
          view: "b".repeat(24),
          seq: 0,
          path: "/",
          vw: 1000,
          vh: 700,
          start: Date.now() - 1000,
          sent: Date.now(),
          events: [],
        }),
      }).then((r) => r.status);
    await eventually(async () => expect(await beacon(`https://${shop()}`)).toBe(202));
    expect(await beacon("https://elsewhere.example")).toBe(403);
    // Another browser sees nothing.
    const stranger = await fetch(`${connectUrl}/stores/woocommerce/${encodeURIComponent(shop())}/progress`);
    expect(stranger.status).toBe(403);
  });

  it("loads the last 60 days, older orders left out, to 100 % and into QuestDB", async () => {
    const want = expected(mainHistory);
    expect(want.orders).toBe(640);
    expect(want.orders).toBeLessThan(mainHistory.length);
    const done = await waitForWooProgress(connectUrl, shop(), cookies.get(shop())!, (p) => p.percent === 100);
    expect(done).toMatchObject({
      phase: "done",
      status: "live",
      orders: { total: want.orders, published: want.orders },
    });
    expect(done.dashboardUrl).toContain(encodeURIComponent(shop()));
    await eventually(async () => expect(await landed(shop())).toEqual(want), { timeoutMs: 60_000 });
    // Only the window was asked for: every history request named it.
    const pages = main.requests.filter((r) => r.path === "/orders" && r.query.has("after"));
    expect(pages.length).toBe(Math.ceil(want.orders / 100) + 1); // + the callback's key check
  });

  it("keeps the keys sealed: neither KV nor any log holds them", async () => {
    const granted = main.keys.at(-1)!;
    const raw = (await rawConnection(shop()))!;
    expect(JSON.parse(raw)).toMatchObject({ platform: "woocommerce", shop: shop(), status: "live" });
    expect((JSON.parse(raw) as { credentials: string }).credentials).toMatch(/^v1\./);
    for (const secret of [granted.consumerKey, granted.consumerSecret, main.hooks[0]!.secret]) {
      expect(raw).not.toContain(secret);
      expect(raw).not.toContain(secret.slice(3, 20));
      for (const service of ["connect", "ingest", "behaviour", "processors"]) {
        expect(readFileSync(join(stack.dir, `${service}.log`), "utf8")).not.toContain(secret);
      }
    }
  });

  it("takes a new order through the store's own webhook, signed with the secret WooCommerce was given", async () => {
    const live: WooOrderSpec = {
      id: 900_001,
      currency: "EUR",
      createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, ".000Z"),
      lines: [{ id: 9_000_011, productId: 12, sku: "LIVE-1", quantity: 2, unitMinor: 1250 }],
      shippingMinor: 499,
    };
    await main.createOrder(live);
    expect(main.deliveries.at(-1)).toMatchObject({ topic: "order.created", status: 200 });
    const want = expected(mainHistory, [live]);
    expect(want.revenue).toBe(expected(mainHistory).revenue + 2 * 1250 + 499);
    await eventually(async () => expect(await landed(shop())).toEqual(want), { timeoutMs: 60_000 });
  });

  it("a second approval (reconnect) doubles nothing; a forged or cookie-less way back is refused", async () => {
    const forged = await connectWooStore(connectUrl, main.siteUrl, {
      tamper: (url) => url.searchParams.set("user_id", "v1.forged.state.value"),
    });
    expect(forged).toMatchObject({ stage: "return", status: 400 });
    expect(forged.body).toContain('data-problem="woo_invalid"');
    expect(forged.cookies).not.toContain("md_store_");
    const otherBrowser = await connectWooStore(connectUrl, main.siteUrl, {
      tamper: (_url, jar) => Object.assign(jar, { header: () => "" }),
    });
    expect(otherBrowser).toMatchObject({ stage: "return", status: 400 });
    expect(otherBrowser.body).toContain("This connect link expired");
    // Both approvals did deliver working keys (the store is connected again, hooks unchanged).
    expect(main.hooks).toHaveLength(4);
    const want = expected(mainHistory, [main.orders.get(900_001)!.spec]);
    // The approvals published what they publish before answering: once every consumer has caught up
    // and QuestDB applied it, a doubled order would show.
    await settled(stack.natsUrl, stack.db, ["orders"]);
    expect(await landed(shop())).toEqual(want);
  });
});

describe("a connect service killed in the middle of a history", () => {
  const shop = () => shopOf(second);

  it("resumes from its checkpoint and loads every order exactly once", async () => {
    second.ordersDelayMs = 600; // 6 pages: a few seconds to stop it half-way
    const attempt = await connectWooStore(connectUrl, second.siteUrl);
    expect(attempt).toMatchObject({ stage: "return", status: 302 });
    const cookie = attempt.cookies;
    const before = await waitForWooProgress(
      connectUrl,
      shop(),
      cookie,
      (p) => p.phase === "orders" && p.orders.published >= 200,
    );
    await stack.connect!.kill(); // SIGKILL: nothing drains
    const pagesBefore = second.requests.filter((r) => r.path === "/orders" && r.query.has("after")).length;
    await stack.connect!.start();
    second.ordersDelayMs = 0;
    const want = expected(secondHistory);
    const done = await waitForWooProgress(connectUrl, shop(), cookie, (p) => p.percent === 100, 60_000);
    expect(done.orders).toEqual({ published: want.orders, total: want.orders });
    await eventually(async () => expect(await landed(shop())).toEqual(want), { timeoutMs: 60_000 });
    // Resumed, not restarted: after the restart only the pages not yet checkpointed were read (the
    // page in flight at the kill may be read twice).
    const pagesAfter =
      second.requests.filter((r) => r.path === "/orders" && r.query.has("after")).length - pagesBefore;
    const remaining = Math.ceil((want.orders - before.orders.published) / 100);
    expect(pagesAfter).toBeLessThanOrEqual(remaining + 1);
    expect(pagesAfter).toBeLessThan(Math.ceil(want.orders / 100));
  });

  it("refuses a delivery signed with another store's secret (401), takes it with the store's own", async () => {
    const order = main.orders.get(900_001)!.spec;
    const body = phpJson(main.payload(order.id));
    const deliver = (secret: string, source: string) =>
      fetch(`${stack.ingestUrl}/webhooks/woocommerce`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-wc-webhook-source": `${source}/`,
          "x-wc-webhook-topic": "order.updated",
          "x-wc-webhook-signature": createHmac("sha256", secret).update(body).digest("base64"),
        },
        body,
      });
    const secondSecret = second.hooks[0]!.secret;
    expect(secondSecret).not.toBe(main.hooks[0]!.secret);
    expect((await deliver(secondSecret, main.siteUrl)).status).toBe(401);
    expect((await deliver(main.hooks[0]!.secret, main.siteUrl)).status).toBe(200);
  });
});
