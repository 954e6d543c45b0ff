import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dashboard, Panel } from "@grafana/grafana-foundation-sdk/dashboard";
import { BEHAVIOUR_STREAM } from "../core/nats.ts";
import { behaviour } from "../grafana/dashboards/behaviour.ts";
import { renderQuery } from "../grafana/interpolate.ts";
import * as SQL from "../grafana/sql/behaviour.ts";
import { sqlString } from "../core/questdb.ts";
import { heatmapToken } from "../ingest/behaviour/token.ts";
import { eventually } from "./support/eventually.ts";
import { decodePng } from "./support/png.ts";
import { BROWSER_UA } from "./support/shopify-connect.ts";
import { startTestStack } from "./support/stack.ts";

/**
 * What the callbacks run inside Chromium touch. The Node program has no DOM types (the SDK is
 * checked on its own, sdk/browser/tsconfig.json), so the page's globals are named here.
 */
interface BrowserWindow {
  metricsdash?: (command: string, value: boolean) => void;
  scrollTo(x: number, y: number): void;
  addEventListener(type: "scroll", listener: () => void, options: { once: boolean }): void;
  document: { documentElement: { scrollHeight: number } };
  history: {
    pushState(state: unknown, unused: string, url: string): void;
    replaceState(state: unknown, unused: string, url: string): void;
  };
}

/**
 * The browser SDK end to end: a storefront page on its own origin loads the script from a running
 * behaviour process (ingest/behaviour/main.ts), a real Chromium clicks, types and scrolls, and the
 * rows land in QuestDB with the element, the in-box offset and the depth worked out below from the
 * page's own layout; the overlay then draws hot spots where the clicks were. Beacons the endpoint must refuse are refused, unpublished.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SITE = "demo-store";
const SHOP = "demo.myshopify.com";
const TOKEN_KEY = "test-heatmap-token-key-0123456789";
// A card number long enough that no timestamp or random id in a beacon contains it by chance ("4111"
// alone was found inside a beacon's millisecond timestamps).
const CARD = "4111111111111111";
const TYPED = `jane.doe@example.com ${CARD} secret`;
const VIEWPORT = { width: 1000, height: 700 };

// Absolutely placed, so the expected offsets below follow from these numbers alone.
const ADD = { left: 100, top: 200, width: 200, height: 50 };
const BROKEN = { left: 400, top: 200, width: 100, height: 40 };
const SPACER = 4000;

const page = (script: string) => `<!doctype html>
<html><head><title>Mug</title><style>
body { margin: 0; font: 10px sans-serif; background: #fff; }
button { position: absolute; border: 0; background: #fff; color: #ddd; padding: 0; text-align: right; }
</style></head><body>
<main id="product">
  <h1 class="title">Mug</h1>
  <button class="add-to-cart btn-48213" data-md-id="add-to-cart"
    style="left:${ADD.left}px;top:${ADD.top}px;width:${ADD.width}px;height:${ADD.height}px">add</button>
  <button class="broken" style="left:${BROKEN.left}px;top:${BROKEN.top}px;width:${BROKEN.width}px;height:${BROKEN.height}px">x</button>
  <input id="email" name="email" style="position:absolute;left:100px;top:320px;width:200px">
  <div data-md-mask><button class="gift-card" style="left:100px;top:400px;width:100px;height:40px">gift</button></div>
  <p id="cart-count">0</p>
</main>
<div style="height:${SPACER}px"></div>
<script>
  document.querySelector(".add-to-cart").addEventListener("click", () => {
    const n = document.getElementById("cart-count");
    n.textContent = String(Number(n.textContent) + 1);
  });
</script>
${script}
</body></html>`;

let stack: Awaited<ReturnType<typeof startTestStack>>;
let storefront: Server;
let origin: string;
let browser: Browser;
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  // The storefront: product pages, and on /relay/collect a pass-through to the behaviour process that keeps a copy
  // of every body the SDK sent (fetch and sendBeacon alike), so the test can read what left the page.
  storefront = createServer((req, res) => {
    if (req.method === "POST" && req.url === "/relay/collect") return void relay(req, res);
    const relayed = req.url?.includes("relay=1") ? ` data-endpoint="${origin}/relay/collect"` : "";
    const consent = req.url?.includes("consent=1") ? ` data-consent="required"` : "";
    const script = `<script src="${stack.behaviourUrl}/sdk.js" data-site="${SITE}" data-flush-ms="500"${relayed}${consent} async></script>`;
    res.writeHead(req.url?.startsWith("/product") ? 200 : 404, { "content-type": "text/html" });
    res.end(page(script));
  });
  await new Promise<void>((resolve) => storefront.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(storefront.address() as AddressInfo).port}`;
  stack = await startTestStack({
    BEHAVIOUR_SITES: JSON.stringify({ [SITE]: { shop: SHOP, platform: "shopify", origins: [origin] } }),
    BEHAVIOUR_CLIENT_RATE: "40",
    BEHAVIOUR_TRUST_PROXY: "true",
    HEATMAP_TOKEN_KEY: TOKEN_KEY,
  });
  nc = await connect({ servers: stack.natsUrl });
  jsm = await jetstreamManager(nc);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await nc?.close();
  await stack?.stop();
  await new Promise((resolve) => storefront?.close(resolve));
});

const sent: string[] = [];

async function relay(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString("utf8");
  sent.push(body);
  const answer = await fetch(`${stack.behaviourUrl}/collect`, {
    method: "POST",
    headers: { "content-type": req.headers["content-type"] ?? "", origin: req.headers.origin ?? "" },
    body,
  });
  res.writeHead(answer.status, { "content-type": "application/json" });
  res.end(await answer.text());
}

/** What the per-client rate test got 202 for (40, or more when its burst was slow): the panels count them. */
let acceptedPastRate = 0;

const published = async () => (await jsm.streams.info(BEHAVIOUR_STREAM)).state.messages;
const hex = (n: number) => n.toString(16).padStart(24, "0");

function beacon(overrides: Record<string, unknown> = {}) {
  const now = Date.now();
  return {
    site: SITE,
    session: hex(1),
    view: hex(Math.floor(Math.random() * 1e12)),
    seq: 0,
    path: "/beacon-checks",
    vw: 1000,
    vh: 700,
    start: now - 1000,
    sent: now,
    events: [{ k: "click", at: now - 500, x: 10, y: 10, sel: "body>p", nx: 0.5, ny: 0.5 }],
    ...overrides,
  };
}

/**
 * Closes a tab the way a shopper does (pagehide runs) and returns once the page is gone: `close`
 * with runBeforeUnload returns before that, so pagehide and its beacon may not have run yet.
 */
async function leave(tab: Page) {
  const closed = new Promise((resolve) => tab.once("close", resolve));
  await tab.close({ runBeforeUnload: true });
  await closed;
}

function post(body: unknown, { from = origin, client = "203.0.113.7", type = "text/plain" } = {}) {
  return fetch(`${stack.behaviourUrl}/collect`, {
    method: "POST",
    headers: { "content-type": type, origin: from, "x-forwarded-for": client },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("POST /collect refuses what it must, and publishes nothing for it", () => {
  it("answers 400 naming the field, 413, 403 unknown site, 403 wrong origin, 415", async () => {
    const before = await published();

    const { session: _dropped, ...noSession } = beacon();
    const bad = await post(noSession);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe("session");

    const badNumber = await post(
      beacon({ events: [{ k: "click", at: 1, x: 1, y: 1, sel: "a", nx: 2, ny: 0 }] }),
    );
    expect(badNumber.status).toBe(400);
    expect(((await badNumber.json()) as { error: { field: string } }).error.field).toBe("events.0.nx");

    expect((await post("{not json")).status).toBe(400);
    expect((await post("x".repeat(40 * 1024))).status).toBe(413);
    const unknown = await post(beacon({ site: "someone-else" }));
    expect(unknown.status).toBe(403);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("unknown_site");
    const wrongOrigin = await post(beacon(), { from: "https://evil.example" });
    expect(wrongOrigin.status).toBe(403);
    expect(wrongOrigin.headers.get("access-control-allow-origin")).toBeNull();
    expect((await post(beacon(), { type: "application/x-www-form-urlencoded" })).status).toBe(415);

    expect(await published()).toBe(before);
  });

  it("answers CORS for the site's origins only", async () => {
    const preflight = (from: string) =>
      fetch(`${stack.behaviourUrl}/collect`, {
        method: "OPTIONS",
        headers: { origin: from, "access-control-request-method": "POST" },
      });
    const allowed = await preflight(origin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(origin);
    expect((await preflight("https://evil.example")).status).toBe(403);

    const accepted = await post(beacon(), { type: "application/json", client: "203.0.113.8" });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get("access-control-allow-origin")).toBe(origin);
  });

  it("answers 429 past the per-client rate and publishes only what it accepted", async () => {
    const before = await published();
    const started = Date.now();
    const statuses = await Promise.all(
      Array.from({ length: 45 }, () => post(beacon(), { client: "198.51.100.9" }).then((r) => r.status)),
    );
    const tookMs = Date.now() - started;
    const accepted = statuses.filter((s) => s === 202).length;
    // BEHAVIOUR_CLIENT_RATE=40 a minute: the bucket holds 40 and refills one per 1.5 s, so a burst
    // that took longer (the behaviour process runs at nice 10: on a loaded machine it waits) may
    // get one more per 1.5 s it took; everything else is refused.
    expect(accepted).toBeGreaterThanOrEqual(40);
    expect(accepted).toBeLessThanOrEqual(40 + Math.floor(tookMs / 1500));
    expect(accepted).toBeLessThan(45);
    expect(statuses.filter((s) => s === 429)).toHaveLength(45 - accepted);
    acceptedPastRate = accepted;
    // Another client is not held back by the first one's flood.
    expect((await post(beacon(), { client: "198.51.100.10" })).status).toBe(202);
    await eventually(async () => expect(await published()).toBe(before + accepted + 1));
  });
});

let measuredHeight = 0;

describe("the SDK in Chromium", () => {
  const open = async (url: string): Promise<Page> => {
    const context = await browser.newContext({ userAgent: BROWSER_UA, viewport: VIEWPORT });
    const tab = await context.newPage();
    await tab.goto(url);
    return tab;
  };

  it("records the page view, clicks with element and in-box offset, rage and dead clicks, and scroll depth", async () => {
    const tab = await open(`${origin}/product.html?utm_source=mail&email=jane%40example.com&relay=1`);
    await tab.waitForFunction(
      () => typeof (globalThis as unknown as BrowserWindow).metricsdash === "function",
    );

    // Add to cart twice, a quarter across and a fifth down its box (two clicks: not rage).
    const addAt = { x: ADD.left + ADD.width * 0.25, y: ADD.top + ADD.height * 0.2 };
    await tab.mouse.click(addAt.x, addAt.y);
    await expect.poll(() => tab.textContent("#cart-count")).toBe("1");
    await tab.mouse.click(addAt.x, addAt.y);
    await expect.poll(() => tab.textContent("#cart-count")).toBe("2");

    // The broken button three times in quick succession: rage, and dead (nothing changes).
    const brokenAt = { x: BROKEN.left + BROKEN.width * 0.5, y: BROKEN.top + BROKEN.height * 0.75 };
    for (let i = 0; i < 3; i++) await tab.mouse.click(brokenAt.x, brokenAt.y);

    // Type into the email field, click inside the masked block.
    await tab.click("#email");
    await tab.keyboard.type(TYPED);
    await tab.mouse.click(150, 420);

    await tab.evaluate(() => (globalThis as unknown as BrowserWindow).scrollTo(0, 2000));
    const height = await tab.evaluate(
      () => (globalThis as unknown as BrowserWindow).document.documentElement.scrollHeight,
    );
    measuredHeight = height;
    const depth = Math.min(height, 2000 + VIEWPORT.height);
    await leave(tab); // pagehide: the leave beacon

    // The refusal checks above sent their accepted beacons for another page of the same site.
    const site = `${sqlString(SITE)} AND page = '/product.html'`;
    const views = await eventually(async () => {
      const rows = await stack.db.rows<{ page: string; path: string; shop: string; bot: boolean }>(
        `SELECT page, path, shop, bot FROM page_views WHERE site = ${site}`,
      );
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(views[0]).toEqual({
      page: "/product.html",
      path: "/product.html?utm_source=mail",
      shop: SHOP,
      bot: false,
    });

    const clicks = await eventually(
      async () => {
        const rows = await stack.db.rows<{
          selector: string;
          nx: number;
          ny: number;
          cell_x: number;
          cell_y: number;
          x: number;
          y: number;
          rage: boolean;
          dead: boolean;
        }>(
          `SELECT selector, x, y, nx, ny, cell_x, cell_y, rage, dead FROM clicks WHERE site = ${site} ORDER BY ts`,
        );
        expect(rows).toHaveLength(6);
        return rows;
      },
      { timeoutMs: 30_000 },
    );
    const add = clicks.filter((c) => c.selector === '[data-md-id="add-to-cart"]');
    expect(add).toHaveLength(2);
    for (const c of add) {
      expect(c).toMatchObject({ x: addAt.x, y: addAt.y, cell_x: 2, cell_y: 2, rage: false, dead: false });
      expect(c.nx).toBeCloseTo(0.25, 2);
      expect(c.ny).toBeCloseTo(0.2, 2);
    }
    // main#product's children: h1, two buttons, input, div, p — the broken one is the 2nd button.
    const broken = clicks.filter((c) => c.selector === "#product>button.broken:nth-of-type(2)");
    expect(broken.map((c) => [c.rage, c.dead])).toEqual([
      [false, true],
      [false, true],
      [true, true],
    ]);
    expect(broken[0]!.nx).toBeCloseTo(0.5, 2);
    expect(broken[0]!.ny).toBeCloseTo(0.75, 2);
    expect(clicks.filter((c) => c.selector === "#email")).toHaveLength(1);
    expect(clicks.some((c) => c.selector.includes("gift"))).toBe(false);

    const scroll = await eventually(async () => {
      const rows = await stack.db.rows<{ max_depth: number; page_height: number; left_page: boolean }>(
        `SELECT max_depth, page_height, left_page FROM scrolls WHERE site = ${site}`,
      );
      expect(rows).toEqual([{ max_depth: depth, page_height: height, left_page: true }]);
      return rows;
    });
    expect(scroll).toHaveLength(1);

    // Nothing typed, no value and no query parameter but utm_* ever left the page.
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.join("\n")).toContain('"k":"leave"'); // the pagehide beacon is among them
    for (const body of sent) {
      expect(body).not.toContain("jane");
      expect(body).not.toContain(CARD);
      expect(body).not.toContain("secret");
      expect(body).not.toContain("gift");
    }
  }, 90_000);

  it("draws the overlay's hot spots where the clicks were, only with a valid token", async () => {
    const forged = await fetch(`${stack.behaviourUrl}/heatmap?site=${SITE}&path=/product.html`, {
      headers: { authorization: `Bearer ${heatmapToken("another-key-0123456789", SITE, 600)}` },
    });
    expect(forged.status).toBe(401);
    const otherSite = await fetch(`${stack.behaviourUrl}/heatmap?site=other&path=/product.html`, {
      headers: { authorization: `Bearer ${heatmapToken(TOKEN_KEY, SITE, 600)}` },
    });
    expect(otherSite.status).toBe(401);

    const token = heatmapToken(TOKEN_KEY, SITE, 600);
    const before = sent.length;
    const tab = await open(`${origin}/product.html?md_heatmap=${token}`);
    await tab.waitForSelector("html[data-md-overlay-ready]");
    expect(await tab.getAttribute("html", "data-md-overlay-ready")).toBe("6");
    const shot = decodePng(await tab.screenshot());
    const red = ([r, g, b]: [number, number, number]) => r > 200 && g < 140 && b < 140;

    // Hot spots at the centre of the cell each click fell in.
    const cellCentre = (box: typeof ADD, cx: number, cy: number) => ({
      x: box.left + ((cx + 0.5) / 10) * box.width,
      y: box.top + ((cy + 0.5) / 10) * box.height,
    });
    const addSpot = cellCentre(ADD, 2, 2);
    const brokenSpot = cellCentre(BROKEN, 5, 7);
    expect(red(shot.pixel(addSpot.x, addSpot.y)), "add to cart hot spot").toBe(true);
    expect(red(shot.pixel(brokenSpot.x, brokenSpot.y)), "broken button hot spot").toBe(true);
    // Far from every click: the page as it was (white).
    expect(shot.pixel(800, 550)).toEqual([255, 255, 255]);
    expect(shot.pixel(ADD.left + ADD.width * 0.9, ADD.top + ADD.height * 0.9)).toEqual([255, 255, 255]);

    // The owner's visit is not recorded, and the close button takes the overlay away.
    expect(sent.length).toBe(before);
    await tab.click("#md-overlay-close");
    expect(await tab.locator("[data-md-overlay]").count()).toBe(0);
    await tab.close();
  }, 60_000);
});

/**
 * Every panel of "Customer behaviour", as Grafana would send it, against what the tests above put
 * in: 42 accepted beacons for /beacon-checks (one session, a click each on `body>p`, no scroll), and
 * the Chromium visit of /product.html (its clicks and scroll depth known from the page's layout).
 */
describe("the Customer behaviour dashboard", () => {
  const dashboard = behaviour().build() as Dashboard;
  const targets = ((dashboard.panels ?? []) as Panel[]).flatMap((panel) =>
    (panel.targets ?? []).map((t) => ({
      panel: panel.title,
      sql: (t as unknown as { rawSql: string }).rawSql,
    })),
  );
  // The CORS check's beacon, the rate test's accepted ones and the other client's.
  const BEACON_CHECKS = () => acceptedPastRate + 2;

  const run = (sql: string, allSites: boolean) =>
    stack.db.rows(
      renderQuery(sql, {
        from: new Date(Date.now() - 3_600_000),
        to: new Date(Date.now() + 60_000),
        maxDataPoints: 60,
        variables: { site: [SITE] },
        allSelected: allSites ? ["site"] : [],
      }),
    );

  const checks = new Map<string, (rows: Record<string, unknown>[]) => void>([
    [SQL.SESSIONS_NOW, (rows) => expect(rows).toEqual([{ sessions: 2 }])],
    [
      SQL.PAGE_VIEWS_SERIES,
      (rows) => expect(rows.reduce((n, r) => n + (r.page_views as number), 0)).toBe(BEACON_CHECKS() + 1),
    ],
    [
      SQL.TOP_PAGES,
      (rows) => {
        expect(rows.map((r) => [r.page, r.views, r.sessions])).toEqual([
          ["/beacon-checks", BEACON_CHECKS(), 1],
          ["/product.html", 1, 1],
        ]);
        // Three clients sent the beacon checks (by X-Forwarded-For), one browser the product page.
        expect(rows.map((r) => r.visitors)).toEqual([3, 1]);
        expect(rows[1]!.avg_seconds as number).toBeGreaterThan(0);
      },
    ],
    [
      SQL.SCROLL_FUNNEL,
      (rows) => {
        // Only the product page view reported scrolling: 2000 px scrolled + a 700 px viewport.
        const pct = (100 * (2000 + VIEWPORT.height)) / measuredHeight;
        const reached = [25, 50, 75, 99.5].map((q) => (pct >= q ? 1 : 0));
        expect(rows).toEqual([
          { "25%": reached[0], "50%": reached[1], "75%": reached[2], "100%": reached[3] },
        ]);
      },
    ],
    [
      SQL.FRUSTRATED_ELEMENTS,
      (rows) =>
        expect(rows.map((r) => [r.page, r.selector, r.rage_clicks, r.dead_clicks, r.clicks])).toEqual([
          ["/product.html", "#product>button.broken:nth-of-type(2)", 1, 3, 3],
        ]),
    ],
    [
      SQL.TOP_ELEMENTS,
      (rows) =>
        expect(rows.map((r) => [r.page, r.selector, r.clicks])).toEqual([
          ["/beacon-checks", "body>p", BEACON_CHECKS()],
          ["/product.html", "#product>button.broken:nth-of-type(2)", 3],
          ["/product.html", '[data-md-id="add-to-cart"]', 2],
          ["/product.html", "#email", 1],
        ]),
    ],
    [
      SQL.EXIT_PAGES,
      // The beacon checks' one session ended on /beacon-checks, the browser's on /product.html.
      (rows) =>
        expect(rows.map((r) => [r.page, r.exits])).toEqual([
          ["/beacon-checks", 1],
          ["/product.html", 1],
        ]),
    ],
    // No orders were sent for the demo shop: 0 orders over 2 sessions.
    [SQL.SESSION_CONVERSION, (rows) => expect(rows).toEqual([{ conversion: 0 }])],
    // No page here matches Shopify's funnel URLs and no checkouts or orders came: all zero (the
    // funnel's figures are checked on matching pages in behaviour-funnel.test.ts).
    [SQL.FUNNEL, (rows) => expect(rows).toEqual([{ "Product page": 0, Cart: 0, Checkout: 0, Order: 0 }])],
  ]);

  it("has a check for every panel target", () => {
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets) expect(checks.has(t.sql), t.panel).toBe(true);
  });

  it.each([
    ["this site", false],
    ["All sites", true],
  ] as const)(
    "every panel's SQL runs on QuestDB and returns the expected values (%s)",
    async (_what, all) => {
      await eventually(async () => {
        for (const t of targets) checks.get(t.sql)!(await run(t.sql, all));
      });
    },
  );
});

/** Last, on pages of their own, so the counts above stay as they are. */
describe("the SDK's privacy switches", () => {
  const pathOf = (body: string) => (JSON.parse(body) as { path: string }).path;
  const bodiesFor = (path: string) => sent.filter((body) => pathOf(body) === path);

  async function visit(path: string, init?: string) {
    const context = await browser.newContext({ userAgent: BROWSER_UA, viewport: VIEWPORT });
    if (init) await context.addInitScript(init);
    const tab = await context.newPage();
    await tab.goto(`${origin}${path}`);
    await tab.waitForFunction(
      () => typeof (globalThis as unknown as BrowserWindow).metricsdash === "function",
    );
    return tab;
  }

  it("records nothing under Global Privacy Control or Do Not Track", async () => {
    const optOuts = {
      "/product-gpc.html":
        "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })",
      "/product-dnt.html": "Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' })",
    };
    for (const [path, init] of Object.entries(optOuts)) {
      const tab = await visit(`${path}?relay=1`, init);
      await tab.mouse.click(ADD.left + 10, ADD.top + 10);
      await expect.poll(() => tab.textContent("#cart-count")).toBe("1");
      await leave(tab);
    }
    // A page without the switches, opened after them: once its beacons arrive, theirs would have too.
    const after = await visit("/product-after.html?relay=1");
    await expect.poll(() => bodiesFor("/product-after.html").length).toBeGreaterThan(0);
    await after.close();
    expect(bodiesFor("/product-gpc.html")).toEqual([]);
    expect(bodiesFor("/product-dnt.html")).toEqual([]);
  });

  it("in consent mode sends nothing before metricsdash('consent', true), and what follows after it", async () => {
    const path = "/product-consent.html";
    const tab = await visit(`${path}?relay=1&consent=1`);
    await tab.mouse.click(ADD.left + 10, ADD.top + 10); // before consent: never sent
    await expect.poll(() => tab.textContent("#cart-count")).toBe("1");
    expect(bodiesFor(path)).toEqual([]);

    await tab.evaluate(() => (globalThis as unknown as BrowserWindow).metricsdash!("consent", true));
    await tab.mouse.click(BROKEN.left + 10, BROKEN.top + 10);
    await expect
      .poll(() => bodiesFor(path).some((body) => body.includes("button.broken")), { timeout: 10_000 })
      .toBe(true);
    await tab.close();
    expect(bodiesFor(path).some((body) => body.includes("add-to-cart"))).toBe(false);
  });
});

describe("the SDK on a single-page storefront", () => {
  it("files each page the storefront shows without a load as a page view of its own", async () => {
    const [first, next] = ["/product-spa.html", "/product-spa-next.html"];
    const context = await browser.newContext({ userAgent: BROWSER_UA, viewport: VIEWPORT });
    const tab = await context.newPage();
    await tab.goto(`${origin}${first}?relay=1`);
    await tab.waitForFunction(
      () => typeof (globalThis as unknown as BrowserWindow).metricsdash === "function",
    );
    const addToCart = async (count: string) => {
      await tab.mouse.click(ADD.left + 10, ADD.top + 10);
      await expect.poll(() => tab.textContent("#cart-count")).toBe(count);
    };
    await addToCart("1");
    // The storefront's router: a new address in the same document, then a filter on that page
    // (a query parameter the SDK drops: the same page, so no new view).
    await tab.evaluate(
      (url) => (globalThis as unknown as BrowserWindow).history.pushState({}, "", url),
      next,
    );
    await tab.evaluate(
      (url) => (globalThis as unknown as BrowserWindow).history.replaceState({}, "", url),
      `${next}?sort=price`,
    );
    await addToCart("2");
    await addToCart("3");
    await leave(tab);
    await context.close();

    const pages = `${sqlString(SITE)} AND page IN ('${first}', '${next}')`;
    // Per page, whatever order QuestDB lists them in.
    const byPage = async <T>(sql: string) =>
      Object.fromEntries(
        (await stack.db.rows<{ page: string } & T>(sql)).map(({ page, ...rest }) => [page, rest]),
      );
    await eventually(
      async () => {
        expect(
          await byPage(
            `SELECT page, count() views, count_distinct(view) ids FROM page_views WHERE site = ${pages}`,
          ),
        ).toEqual({ [first]: { views: 1, ids: 1 }, [next]: { views: 1, ids: 1 } });
        expect(await byPage(`SELECT page, count() clicks FROM clicks WHERE site = ${pages}`)).toEqual({
          [first]: { clicks: 1 },
          [next]: { clicks: 2 },
        });
        // Each view was left: the first when the router moved on, the second when the tab closed.
        expect(await byPage(`SELECT page, left_page FROM scrolls WHERE site = ${pages}`)).toEqual({
          [first]: { left_page: true },
          [next]: { left_page: true },
        });
      },
      { timeoutMs: 30_000 },
    );
    const views = await stack.db.rows<{ view: string }>(
      `SELECT DISTINCT view FROM page_views WHERE site = ${pages}`,
    );
    expect(views).toHaveLength(2);
  });
});

describe("the SDK straight to the behaviour process, across origins", () => {
  it("serves /sdk.js cached and versioned", async () => {
    const script = await fetch(`${stack.behaviourUrl}/sdk.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(script.headers.get("cache-control")).toContain("max-age=86400");
    const version = script.headers.get("x-metricsdash-sdk-version")!;
    expect(version).toMatch(/^[0-9a-f]{12}$/);
    const body = await script.text();
    const pinned = await fetch(`${stack.behaviourUrl}/sdk/${version}.js`);
    expect(pinned.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(await pinned.text()).toBe(body);
    const again = await fetch(`${stack.behaviourUrl}/sdk.js`, {
      headers: { "if-none-match": `"${version}"` },
    });
    expect(again.status).toBe(304);
  });

  it("delivers the page's fetches and its pagehide beacon from the store's origin to the behaviour process's", async () => {
    const context = await browser.newContext({ userAgent: BROWSER_UA, viewport: VIEWPORT });
    const tab = await context.newPage();
    await tab.goto(`${origin}/product-direct.html`);
    await tab.waitForFunction(
      () => typeof (globalThis as unknown as BrowserWindow).metricsdash === "function",
    );
    await tab.mouse.click(ADD.left + ADD.width / 2, ADD.top + ADD.height / 2);
    await expect.poll(() => tab.textContent("#cart-count")).toBe("1");
    // The scroll event comes a frame after scrollTo; closing before it (a loaded machine) would leave
    // nothing for the beacon to carry. The SDK's listener was added first, so it has measured by now.
    await tab.evaluate(
      () =>
        new Promise<void>((resolve) => {
          const page = globalThis as unknown as BrowserWindow;
          page.addEventListener("scroll", resolve, { once: true });
          page.scrollTo(0, 1000);
        }),
    );
    await leave(tab);
    const where = `site = ${sqlString(SITE)} AND page = '/product-direct.html'`;
    await eventually(async () => {
      const clicks = await stack.db.rows(`SELECT selector, cell_x, cell_y FROM clicks WHERE ${where}`);
      expect(clicks).toEqual([{ selector: '[data-md-id="add-to-cart"]', cell_x: 5, cell_y: 5 }]);
      // left_page is set only by the leave event, which only the pagehide beacon carries.
      const scrolls = await stack.db.rows(`SELECT max_depth, left_page FROM scrolls WHERE ${where}`);
      expect(scrolls).toEqual([{ max_depth: 1000 + VIEWPORT.height, left_page: true }]);
    });
  });
});
