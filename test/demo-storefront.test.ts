import type { Panel } from "@grafana/grafana-foundation-sdk/dashboard";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Beacon } from "../core/interaction.ts";
import { createLogger } from "../core/log.ts";
import { startStorefront, type Storefront } from "../demo/storefront.ts";
import { selectorOf, STOREFRONT_SITE } from "../demo/storefront-pages.ts";
import { DEVICES, planVisit } from "../demo/storefront-visits.ts";
import { storefrontWiring } from "../demo/storefront-wiring.ts";
import { freePort } from "../services/ports.ts";
import { behaviour } from "../grafana/dashboards/behaviour.ts";
import { renderQuery } from "../grafana/interpolate.ts";
import { heatmapToken } from "../ingest/behaviour/token.ts";
import { Random } from "../demo/random.ts";
import { eventually } from "./support/eventually.ts";
import { startTestStack } from "./support/stack.ts";

/**
 * The demo storefront: its simulated visitors post what the real SDK would post on its pages (the
 * elements' selectors and boxes are held to the pages' real layout in Chromium), and, wired as the
 * start command wires it, they fill every Customer behaviour panel and the overlay's aggregates.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const TOKEN_KEY = "test-heatmap-token-key-0123456789";

type Click = Extract<Beacon["events"][number], { k: "click" }>;
const clicksOf = (beacons: ReturnType<typeof planVisit>) =>
  beacons.flatMap(({ beacon }) =>
    beacon.events.filter((e): e is Click => e.k === "click").map((c) => ({ c, beacon })),
  );

describe("the simulated visitors", () => {
  const random = new Random(7);
  const planned = Array.from({ length: 400 }, (_, i) =>
    planVisit(random, 1_700_000_000_000 + i * 3000),
  ).flat();

  it("post beacons /collect accepts, each page view opened by an empty one as the SDK does", () => {
    for (const { beacon } of planned) expect(Beacon.safeParse(beacon).success).toBe(true);
    const views = new Map<string, number[]>();
    for (const { beacon } of planned) views.set(beacon.view, [...(views.get(beacon.view) ?? []), beacon.seq]);
    for (const seqs of views.values()) expect(seqs).toEqual([0, 1]);
  });

  it("flag rage clicks by the SDK's rule: the third of three within 30 px and 1 s, and after", () => {
    const byView = Map.groupBy(clicksOf(planned), ({ beacon }) => beacon.view);
    let rages = 0;
    for (const clicks of byView.values()) {
      clicks.forEach(({ c }, i) => {
        const near = clicks
          .slice(0, i + 1)
          .filter(({ c: o }) => c.at - o.at <= 1000 && Math.hypot(c.x - o.x, c.y - o.y) <= 30);
        expect(c.rage === 1, `${c.sel} at ${c.at}`).toBe(near.length >= 3);
        if (c.rage) rages++;
      });
    }
    expect(rages).toBeGreaterThan(0);
  });

  it("press Add to cart most on product pages, near its middle; scroll no further than the page", () => {
    const onProducts = clicksOf(planned).filter(({ beacon }) => beacon.path.startsWith("/products/"));
    const counts = Map.groupBy(onProducts, ({ c }) => c.sel);
    const top = [...counts].sort((a, b) => b[1].length - a[1].length)[0]!;
    expect(top[0]).toBe(selectorOf("add-to-cart"));
    const middle = top[1].filter(({ c }) => Math.abs(c.nx - 0.5) < 0.25 && Math.abs(c.ny - 0.5) < 0.3);
    expect(middle.length / top[1].length).toBeGreaterThan(0.7);
    for (const { beacon } of planned)
      for (const e of beacon.events) if (e.k !== "click") expect(e.depth).toBeLessThanOrEqual(e.height);
  });
});

let browser: Browser;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let storefront: Storefront;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM });
  const port = await freePort();
  const wiring = storefrontWiring({}, port);
  stack = await startTestStack({ ...wiring.stackEnv, HEATMAP_TOKEN_KEY: TOKEN_KEY });
  storefront = await startStorefront({
    port,
    behaviourUrl: stack.behaviourUrl,
    visitorsPerMinute: 20,
    seed: 11,
    log: createLogger("storefront-test"),
    stopped: () => false,
  });
}, 300_000);

afterAll(async () => {
  await storefront?.close();
  await stack?.stop();
  await browser?.close();
});

describe("the storefront pages", () => {
  it.each(Object.entries(DEVICES))(
    "lay elements out where the %s visitors press them",
    async (_name, device) => {
      const tab = await browser.newPage({ viewport: { width: device.vw, height: device.vh } });
      for (const [path, kind] of [
        ["/products/ceramic-mug", "product"],
        ["/cart", "cart"],
        ["/", "home"],
      ] as const) {
        await tab.goto(`${storefront.url}${path}`);
        const measured = (await tab.evaluate(`(() => {
        const boxes = {};
        for (const e of document.querySelectorAll("[data-md-id]")) {
          const b = e.getBoundingClientRect();
          boxes[e.getAttribute("data-md-id")] = [b.left + scrollX, b.top + scrollY, b.width, b.height];
        }
        return { height: document.documentElement.scrollHeight, boxes };
      })()`)) as { height: number; boxes: Record<string, number[]> };
        expect(Math.abs(measured.height - device.height[kind]) / device.height[kind], path).toBeLessThan(0.1);
        for (const [id, box] of Object.entries(measured.boxes))
          box.forEach((v, i) =>
            expect(Math.abs(v - device.boxes[id]![i]!), `${path} ${id}`).toBeLessThan(12),
          );
      }
      await tab.close();
    },
  );

  it("load the SDK from the behaviour process, which names Add to cart as the visitors do", async () => {
    const tab = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const sent: Beacon[] = [];
    tab.on("request", (r) => {
      if (r.url().endsWith("/collect")) sent.push(JSON.parse(r.postData() ?? "{}") as Beacon);
    });
    await tab.goto(`${storefront.url}/products/ceramic-mug`);
    await tab.waitForFunction("typeof window.metricsdash === 'function'");
    await tab.click('[data-md-id="add-to-cart"]');
    // The SDK holds a click for a second (was it dead?), then its next flush carries it.
    const clicked = () => sent.find((b) => b.events.some((e) => e.k === "click"));
    await expect.poll(() => clicked()?.session, { timeout: 15_000 }).toBeDefined();
    await tab.close();
    const session = clicked()!.session;
    await eventually(async () => {
      const rows = await stack.db.rows(`SELECT selector FROM clicks WHERE session = '${session}'`);
      expect(rows).toEqual([{ selector: selectorOf("add-to-cart") }]);
    });
  });
});

describe("wired as start wires it", () => {
  const dashboard = behaviour().build();
  const targets = ((dashboard.panels ?? []) as Panel[]).flatMap((panel) =>
    (panel.targets ?? []).map((t) => ({
      panel: panel.title ?? "",
      sql: (t as unknown as { rawSql: string }).rawSql,
    })),
  );
  const run = (sql: string) =>
    stack.db.rows(
      renderQuery(sql, {
        from: new Date(Date.now() - 3_600_000),
        to: new Date(Date.now() + 60_000),
        maxDataPoints: 60,
        variables: { site: [STOREFRONT_SITE] },
      }),
    );
  const someNumber = (rows: Record<string, unknown>[]) =>
    rows.some((r) => Object.values(r).some((v) => typeof v === "number" && v > 0));

  it("fills every Customer behaviour panel", async () => {
    expect(targets.length).toBeGreaterThan(5);
    // Orders ÷ sessions needs orders, which the demo's Shopify shop sends, not its storefront.
    const fromVisitors = targets.filter((t) => !t.panel.startsWith("Conversion"));
    expect(fromVisitors.length).toBe(targets.length - 1);
    await eventually(
      async () => {
        for (const t of fromVisitors) expect(someNumber(await run(t.sql)), t.panel).toBe(true);
      },
      { timeoutMs: 120_000 },
    );
    const frustrated = await run(targets.find((t) => t.panel.startsWith("Rage"))!.sql);
    expect(frustrated.map((r) => r.selector)).toContain(selectorOf("size-guide"));
  }, 150_000);

  it("gives the overlay hot spots on Add to cart", { timeout: 150_000 }, async () => {
    const pages = await eventually(
      async () => {
        const rows = await stack.db.rows(
          `SELECT page, count() n FROM clicks WHERE selector = '${selectorOf("add-to-cart")}' AND bot = false ORDER BY n DESC LIMIT 1`,
        );
        expect(rows.length).toBe(1);
        return rows;
      },
      { timeoutMs: 120_000 },
    );
    const page = pages[0]!.page as string;
    const answer = await fetch(
      `${stack.behaviourUrl}/heatmap?site=${STOREFRONT_SITE}&path=${encodeURIComponent(page)}`,
      {
        headers: { authorization: `Bearer ${heatmapToken(TOKEN_KEY, STOREFRONT_SITE, 600)}` },
      },
    );
    expect(answer.status).toBe(200);
    const heatmap = (await answer.json()) as { elements: { sel: string }[]; views: number };
    expect(heatmap.elements.map((e) => e.sel)).toContain(selectorOf("add-to-cart"));
    expect(heatmap.views).toBeGreaterThan(0);
  });
});
