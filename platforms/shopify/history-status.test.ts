import { describe, expect, it } from "vitest";
import { newHistoryCheckpoint } from "../../connect/history.ts";
import { checkpointStatus, progressReport } from "../../connect/progress.ts";
import type { Connection } from "../connections.ts";
import { newCheckpoint, progressOf } from "./backfill.ts";
import { shopifyHistoryStatus } from "./history-status.ts";

/** A Shopify checkpoint and a paged history's both answer in the one progress shape, 100 % only once visible. */

const connection = (platform: string, shop: string): Connection => ({
  platform,
  shop,
  status: "backfilling",
  name: null,
  currency: "EUR",
  timezone: "Europe/Berlin",
  connectedAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
  credentials: "sealed",
  webhooks: [],
  error: null,
});
const DASHBOARD = "http://grafana/d/x?var-platform={platform}&var-shop={shop}";
const SHOP = "acme.myshopify.com";

describe("the one progress shape", () => {
  it("a bulk export in flight says Shopify is exporting, at the checkpoint's own share", () => {
    const cp = newCheckpoint(SHOP, 60, "bulk");
    cp.orders = { ...cp.orders, total: 400, exported: 100, previewed: 50 };
    const report = progressReport(connection("shopify", SHOP), shopifyHistoryStatus(cp), 50, DASHBOARD);
    expect(report).toMatchObject({
      platform: "shopify",
      phase: "orders",
      percent: Math.floor(progressOf(cp) * 100),
      summary: "Shopify is exporting your recent orders",
      orders: { published: 0, total: 400 },
      dashboardUrl: null,
    });
    expect(report.detail).toContain("100 of 400 orders exported");
  });

  it("Shopify's inventory phase is the stock phase; done waits until QuestDB shows every order", () => {
    const cp = newCheckpoint(SHOP, 60, "paginated");
    cp.orders = { ...cp.orders, total: 30, published: 30 };
    cp.inventory = { ...cp.inventory, levels: 12 };
    expect(shopifyHistoryStatus({ ...cp, phase: "inventory" }).phase).toBe("stock");
    const done = shopifyHistoryStatus({ ...cp, phase: "done" });
    const writing = progressReport(connection("shopify", SHOP), done, 29, DASHBOARD);
    expect(writing).toMatchObject({ phase: "writing", percent: 99, detail: "29 of 30 orders visible" });
    const visible = progressReport(connection("shopify", SHOP), done, 31, DASHBOARD);
    expect(visible).toMatchObject({ phase: "done", percent: 100, stock: { levels: 12 } });
    expect(visible.dashboardUrl).toBe(DASHBOARD.replace("{platform}", "shopify").replace("{shop}", SHOP));
  });

  it("a paged history (WooCommerce, BigCommerce) reports the same fields", () => {
    const cp = { ...newHistoryCheckpoint("woocommerce", "woo.example", 60), totalOrders: 40, published: 10 };
    const paged = progressReport(
      connection("woocommerce", "woo.example"),
      checkpointStatus(cp),
      null,
      DASHBOARD,
    );
    const shopify = progressReport(
      connection("shopify", SHOP),
      shopifyHistoryStatus(newCheckpoint(SHOP, 60, "bulk")),
      null,
      DASHBOARD,
    );
    expect(Object.keys(paged).sort()).toEqual(Object.keys(shopify).sort());
    expect(paged).toMatchObject({ phase: "orders", percent: Math.floor(0.9 * (10 / 40) * 100) });
    // QuestDB not answering: never 100 %, whatever the job says.
    const done = checkpointStatus({ ...cp, phase: "done", published: 40 });
    expect(progressReport(connection("woocommerce", "woo.example"), done, null, DASHBOARD).percent).toBe(99);
  });
});
