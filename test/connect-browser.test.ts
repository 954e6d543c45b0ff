import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { sqlString } from "../core/questdb.ts";
import { FakeShopify } from "./fakes/shopify/server.ts";
import { expectedTotals, generateShop } from "./fakes/shopify/store.ts";
import { eventually } from "./support/eventually.ts";
import {
  BROWSER_UA,
  progress,
  TEST_CONNECT_ENV,
  useStatusCookies,
  waitForProgress,
} from "./support/shopify-connect.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";
import { launchChromium } from "./support/chromium.ts";

/**
 * A store owner connects in headless Chromium: types the domain, approves on (fake) Shopify,
 * watches the progress reach 100 % — through a crash of the connect service mid-backfill — and
 * lands on the dashboard link, with every order in QuestDB exactly once.
 *
 * CONNECT_E2E_ORDERS (default 5,000; the full size is 50,000) and CONNECT_E2E_SPEED (the
 * fake's clock, default 1 = real time at Standard-plan limits) scale it. Timings are printed.
 */

const ORDERS = Number(process.env.CONNECT_E2E_ORDERS ?? 5000);
const SPEED = Number(process.env.CONNECT_E2E_SPEED ?? 1);
const SHOP = "e2e-store.myshopify.com";
const TIMEOUT = Math.max(120_000, ORDERS * 12);

let stack: Awaited<ReturnType<typeof startTestStack>>;
let fake: FakeShopify;
let browser: Browser;
const want0 = () => ORDERS.toLocaleString("en");

beforeAll(async () => {
  fake = new FakeShopify({
    apiKey: TEST_CONNECT_ENV.SHOPIFY_API_KEY,
    apiSecret: TEST_SECRETS.SHOPIFY_API_SECRET,
    speed: SPEED,
  });
  fake.addShop(generateShop({ domain: SHOP, orders: ORDERS, seed: 2026, timezone: "America/Chicago" }));
  await fake.start();
  stack = await startTestStack({
    ...TEST_CONNECT_ENV,
    SHOPIFY_API_URL: fake.apiUrlTemplate,
    DASHBOARD_URL: "http://grafana.invalid/d/metricsdash-sales?var-shop={shop}",
  });
  browser = await launchChromium();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await fake?.stop();
});

describe("connecting a store in the browser", () => {
  it(
    `connects ${ORDERS} orders over 60 days, survives a restart, and lands on the dashboard link`,
    async () => {
      // The library turns bots away; a person's browser says it is Chrome, not HeadlessChrome.
      const context = await browser.newContext({ userAgent: BROWSER_UA });
      const page = await context.newPage();
      await page.goto(`${stack.connectUrl}/`);

      // A typo first: the page explains and keeps what was typed.
      await page.fill("#shop", "e2e store");
      await page.click("#connect");
      await expect.poll(() => page.textContent("#error")).toContain("a Shopify store address");

      await page.fill("#shop", "e2e-store");
      const clicked = Date.now();
      await page.click("#connect");
      await page.waitForSelector("#install"); // Shopify's approval page
      expect(await page.textContent("body")).toContain("read_orders,read_products,read_inventory");
      await page.click("#install");
      await page.waitForURL(`**/stores/shopify/${SHOP}`);
      const landed = Date.now();
      const cookies = await context.cookies(`${stack.connectUrl}/stores/shopify/${SHOP}/progress`);
      // Every flow's status cookie: the store named by platform and shop.
      expect(cookies.map((c) => c.name)).toContain(`md_store_shopify_2ee2e-store_2emyshopify_2ecom`);
      useStatusCookies(SHOP, cookies.map((c) => `${c.name}=${c.value}`).join("; "));

      // The CLI progress bar follows the same checkpoint from another process.
      const cli = spawn(process.execPath, ["connect/cli.ts", "progress", "shopify", SHOP], {
        env: { ...process.env, NATS_URL: stack.natsUrl },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let cliOutput = "";
      cli.stderr.on("data", (chunk: Buffer) => (cliOutput += chunk.toString()));
      const cliExit = new Promise<number | null>((resolve) => cli.once("exit", resolve));

      let firstVisible: number | undefined;
      const watcher = (async () => {
        for (;;) {
          const p = await progress(stack.connectUrl!, SHOP).catch(() => undefined);
          if (p?.visibleOrders && !firstVisible) firstVisible = Date.now();
          if (p?.phase === "done" || p?.phase === "failed") return;
          await new Promise((r) => setTimeout(r, 100));
        }
      })();

      // Crash the connect service mid-backfill (SIGKILL), then start it again.
      const before = await waitForProgress(stack.connectUrl!, SHOP, (p) => p.percent >= 20, TIMEOUT);
      expect(before.phase).not.toBe("done");
      const bulkOps = fake.stats.bulkOperations;
      await stack.connect!.kill();
      const killedAt = Date.now();
      await stack.connect!.start();
      const restarted = Date.now();

      const link = page.locator("#dashboard-link");
      await link.waitFor({ state: "visible", timeout: TIMEOUT });
      const done = Date.now();
      await watcher;
      expect(await page.textContent("#percent")).toBe("100%");
      expect(await link.getAttribute("href")).toBe(
        `http://grafana.invalid/d/metricsdash-sales?var-shop=${encodeURIComponent(SHOP)}`,
      );
      expect(await cliExit).toBe(0);
      const cliLines = cliOutput.trim().split("\n");
      expect(cliLines.length).toBeGreaterThan(2);
      expect(cliLines.at(-1)).toMatch(new RegExp(`100\\.0%  orders ${want0()}/${want0()}`));
      // The resumed service polled the same export instead of starting another.
      expect(fake.stats.bulkOperations).toBe(bulkOps);

      // Exactly once in QuestDB: counts and revenue recomputed from the fake's specs.
      const want = expectedTotals(fake.shop(SHOP).data.orders);
      let allVisible = 0;
      await eventually(
        async () => {
          const [row] = (
            await stack.db.exec<[number, number]>(
              `SELECT count(), sum(total_minor) FROM orders WHERE shop = ${sqlString(SHOP)}`,
            )
          ).dataset;
          const [lines] = (
            await stack.db.exec<[number]>(`SELECT count() FROM order_lines WHERE shop = ${sqlString(SHOP)}`)
          ).dataset;
          expect({ orders: row?.[0], revenue: row?.[1], lines: lines?.[0] }).toEqual(want);
          allVisible = Date.now();
        },
        { timeoutMs: 60_000 },
      );

      const last = await progress(stack.connectUrl!, SHOP);
      const objects = want.orders + want.lines;
      const report = {
        orders: ORDERS,
        fakeSpeed: SPEED,
        secondsConnectToStatusPage: (landed - clicked) / 1000,
        secondsConnectToFirstDataVisible: firstVisible ? (firstVisible - clicked) / 1000 : null,
        secondsConnectTo100Percent: (done - clicked) / 1000,
        secondsConnectToAllRowsInQuestDB: (allVisible - clicked) / 1000,
        secondsDownForRestart: (restarted - killedAt) / 1000,
        progressAtKill: before.percent,
        shopifyRequests: fake.requestsByShop.get(SHOP),
        throttled: fake.stats.throttled,
        pointsSpent: fake.stats.actualCost,
        bulkObjects: objects,
        modelledShopifyExportSecondsAtAssumedBulkRate: objects / fake.options.bulkObjectsPerSecond,
        inventoryLevels: last.stock.levels,
      };
      console.info(`CONNECT-E2E ${JSON.stringify(report)}`);
      await context.close();
    },
    TIMEOUT * 2,
  );
});
