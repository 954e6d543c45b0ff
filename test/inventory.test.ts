import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventSubject, type CanonicalEvent } from "../core/events.ts";
import { sqlString } from "../core/questdb.ts";
import { inventoryLevelPayload, productPayload } from "./fakes/shopify/inventory-payloads.ts";
import type { Panel } from "@grafana/grafana-foundation-sdk/dashboard";
import { inventory } from "../grafana/dashboards/inventory.ts";
import { renderQuery } from "../grafana/interpolate.ts";
import {
  INVENTORY_PANELS,
  INVENTORY_VARIABLE_QUERIES,
  LOW_STOCK_TABLE,
  STOCKOUT_ETA_TABLE,
} from "../grafana/sql/inventory.ts";
import { eventually } from "./support/eventually.ts";
import { orderPayload, ShopifyWebhookSender } from "./support/shopify-webhooks.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";

/**
 * Generated order streams go through the real pipeline (signed webhooks → ingest → JetStream →
 * orders and inventory processors → QuestDB); the forecasts are compared with numbers worked out by
 * hand below, from the streams' definitions alone. Times are half-hour offsets from the start, so
 * the few seconds the pipeline takes never move a sale across a window edge.
 */

let stack: Awaited<ReturnType<typeof startTestStack>>;
let shopify: ShopifyWebhookSender;
const SHOP = "inventory-test.myshopify.com";
const T0 = Date.now();
const at = (hoursAgo: number) => new Date(T0 - hoursAgo * 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");

// Items, variants and locations as Shopify numbers them.
const SKUS = {
  STEADY: { variantId: 501, inventoryItemId: 9001 },
  BURSTY: { variantId: 502, inventoryItemId: 9002 },
  IDLE: { variantId: 503, inventoryItemId: 9003 },
  RESTOCK: { variantId: 504, inventoryItemId: 9004 },
} as const;
const LOC = 77;

let nextOrder = 100_000n;
async function sell(sku: keyof typeof SKUS, hoursAgo: number, quantity: number) {
  const id = nextOrder++;
  const res = await shopify.deliver(
    "orders/create",
    orderPayload({
      id,
      createdAt: at(hoursAgo),
      lines: [{ id: id * 10n, priceCents: 1000, quantity, sku, variantId: BigInt(SKUS[sku].variantId) }],
    }),
  );
  expect(res.status).toBe(200);
}

async function report(sku: keyof typeof SKUS, hoursAgo: number, available: number | null, location = LOC) {
  const res = await shopify.deliver(
    "inventory_levels/update",
    inventoryLevelPayload({
      inventoryItemId: SKUS[sku].inventoryItemId,
      locationId: location,
      available,
      updatedAt: at(hoursAgo),
    }),
  );
  expect(res.status).toBe(200);
}

async function mapProduct(sku: keyof typeof SKUS) {
  const res = await shopify.deliver(
    "products/update",
    productPayload({ id: 7000 + SKUS[sku].variantId, updatedAt: at(0), variants: [{ ...SKUS[sku], sku }] }),
  );
  expect(res.status).toBe(200);
}

async function parallel(tasks: (() => Promise<void>)[], width = 8) {
  const queue = [...tasks];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let task = queue.shift(); task; task = queue.shift()) await task();
    }),
  );
}

interface ForecastRow {
  sku: string;
  available: number | null;
  velocity_per_hour: number;
  rate_24h: number;
  rate_7d: number;
  daily_sigma: number;
  reorder_point: number;
  eta_hours: number | null;
  stockout_at: string | null;
  retired: boolean;
  ts: string;
}

/** The dashboard's time range: the last day, up to an hour ahead (forecasts are stamped with the clock). */
const dashboardRange = () => ({
  from: new Date(T0 - 86_400_000),
  to: new Date(Date.now() + 3_600_000),
  maxDataPoints: 1000,
});

interface Chosen {
  variables: Record<string, string[]>;
  allSelected: string[];
}

/**
 * The dashboard's variables as Grafana fills them from its own queries: platforms (null: All, which
 * Grafana writes as every listed value), then the shops on those platforms (null: All).
 */
async function choose(platforms: string[] | null, shops: string[] | null): Promise<Chosen> {
  const range = dashboardRange();
  const list = async (sql: string, chosen: Chosen) =>
    (await stack.db.exec<[string]>(renderQuery(sql, { ...range, ...chosen }))).dataset.map((r) => r[0]);
  const chosen: Chosen = { variables: {}, allSelected: [] };
  const listedPlatforms = await list(INVENTORY_VARIABLE_QUERIES.platform, chosen);
  for (const p of platforms ?? []) expect(listedPlatforms).toContain(p);
  chosen.variables.platform = platforms ?? listedPlatforms;
  if (!platforms) chosen.allSelected.push("platform");
  const listedShops = await list(INVENTORY_VARIABLE_QUERIES.shop, chosen);
  for (const s of shops ?? []) expect(listedShops).toContain(s);
  chosen.variables.shop = shops ?? listedShops;
  if (!shops) chosen.allSelected.push("shop");
  return chosen;
}

async function latestForecasts(): Promise<Map<string, ForecastRow>> {
  const rows = await stack.db.rows<ForecastRow & Record<string, unknown>>(
    `SELECT * FROM stockout_forecast WHERE shop = ${sqlString(SHOP)} LATEST ON ts PARTITION BY sku`,
  );
  return new Map(rows.map((r) => [r.sku, r]));
}

beforeAll(async () => {
  stack = await startTestStack({ INVENTORY_FORECAST_INTERVAL_MS: "250", INVENTORY_REFRESH_MS: "1500" });
  shopify = new ShopifyWebhookSender(stack.ingestUrl, TEST_SECRETS.SHOPIFY_API_SECRET, SHOP);

  await mapProduct("STEADY");
  await mapProduct("BURSTY");
  await mapProduct("IDLE");
  // RESTOCK's product event comes last: its reports wait under the inventory item until then.

  const tasks: (() => Promise<void>)[] = [];
  // STEADY: 2 units every hour for 7 days (168 orders), 101 in stock 45 minutes ago.
  for (let k = 0; k < 168; k++) tasks.push(() => sell("STEADY", k + 0.5, 2));
  // BURSTY: 1 unit every 2 hours (84 orders) and one 40-unit bulk order 30 h ago; 60 in stock 10 h ago.
  for (let k = 0; k < 84; k++) tasks.push(() => sell("BURSTY", 2 * k + 1, 1));
  tasks.push(() => sell("BURSTY", 30, 40));
  // RESTOCK: 5 in stock 48 h ago, 1 unit sold 40 h and 30 h ago, restocked to 50 20 h ago, 1 unit 10 h and 5 h ago.
  for (const h of [40, 30, 10, 5]) tasks.push(() => sell("RESTOCK", h, 1));
  tasks.push(() => report("STEADY", 0.75, 101));
  tasks.push(() => report("BURSTY", 10, 60));
  // IDLE: 10 in stock, never sold.
  tasks.push(() => report("IDLE", 5, 10));
  tasks.push(() => report("RESTOCK", 48, 5));
  tasks.push(() => report("RESTOCK", 20, 50));
  await parallel(tasks);
}, 300_000);
afterAll(async () => stack?.stop());

describe("inventory forecasts from the pipeline", () => {
  it("files reports of an unmapped item under item:<id>, then under its SKU once products/update maps it", async () => {
    await eventually(async () => {
      const f = await latestForecasts();
      // Its sales are filed under RESTOCK, which this item is not known to be yet: 50 as reported.
      expect(f.get("item:9004")?.available).toBe(50);
    });
    await mapProduct("RESTOCK");
    await eventually(async () => {
      const f = await latestForecasts();
      expect(f.get("RESTOCK")?.available).toBe(48);
      // The item's own key is retired, so nothing lists or alerts on it any more.
      expect(f.get("item:9004")).toMatchObject({ retired: true, available: null });
    });
  });

  it("computes velocity, ETA and reorder point as worked out by hand", async () => {
    // Lead time 7 d, z = 1.65, bulk cap 3 × median line quantity (the defaults).
    const expected = {
      // 48 units a day both windows → 2/h; 101 − 2 (30 min ago) = 99 → 49.5 h; ROP = 2 × 168 = 336, σ = 0.
      STEADY: { available: 99, v: 2, eta: 49.5, sigma: 0, rop: 336 },
      // Daily (capped) [12, 15, 12, 12, 12, 12, 12]: 7-day rate 87/168 beats 24 h rate 12/24;
      // 60 − 5 (9, 7, 5, 3, 1 h ago) = 55 → 55 × 168 / 87 h; σ = 3/√7 → safety 1.65 × 3/√7 × √7 = 4.95.
      BURSTY: { available: 55, v: 87 / 168, eta: (55 * 168) / 87, sigma: 3 / Math.sqrt(7), rop: 87 + 4.95 },
      IDLE: { available: 10, v: 0, eta: null, sigma: 0, rop: 0 },
      // Sales 40, 30, 10, 5 h ago: 24 h rate 2/24 beats 4/168; 50 − 2 = 48 → 576 h.
      // Daily [2, 2, 0, 0, 0, 0, 0] (5 h and 10 h ago; 30 h and 40 h ago): mean 4/7,
      // σ² = (2·(10/7)² + 5·(4/7)²)/6 = (280/49)/6 = 20/21.
      RESTOCK: { available: 48, v: 2 / 24, eta: 576, sigma: Math.sqrt(20 / 21), rop: 0 },
    };
    expected.RESTOCK.rop = (2 / 24) * 168 + 1.65 * expected.RESTOCK.sigma * Math.sqrt(7);

    const rows = await eventually(
      async () => {
        const f = await latestForecasts();
        for (const [sku, e] of Object.entries(expected)) {
          const row = f.get(sku);
          expect(row, sku).toBeDefined();
          expect(row!.available, sku).toBe(e.available);
          expect(row!.velocity_per_hour, sku).toBeCloseTo(e.v, 9);
        }
        return f;
      },
      { timeoutMs: 40_000 },
    );

    for (const [sku, e] of Object.entries(expected)) {
      const row = rows.get(sku)!;
      expect(row.daily_sigma, sku).toBeCloseTo(e.sigma, 9);
      expect(row.reorder_point, sku).toBeCloseTo(e.rop, 9);
      if (e.eta === null) {
        expect(row.eta_hours, sku).toBeNull();
        expect(row.stockout_at, sku).toBeNull();
      } else {
        expect(row.eta_hours, sku).toBeCloseTo(e.eta, 9);
        const computedAt = Date.parse(row.ts);
        // stockout_at = computation time + ETA (ts is the computation minute).
        expect(Date.parse(row.stockout_at!) - computedAt).toBeGreaterThanOrEqual(e.eta * 3_600_000 - 1000);
        expect(Date.parse(row.stockout_at!) - computedAt).toBeLessThan(e.eta * 3_600_000 + 61_000);
      }
    }
  });

  it("writes the level per SKU and location, reduced by the sales after the report", async () => {
    const rows = await eventually(async () => {
      const r = await stack.db.rows<{
        sku: string;
        location_id: string;
        reported: number;
        unreported_sold: number;
        available: number;
      }>(
        `SELECT sku, location_id, reported, unreported_sold, available FROM inventory_levels
         WHERE shop = ${sqlString(SHOP)} AND sku IN ('STEADY', 'BURSTY', 'IDLE', 'RESTOCK')
         LATEST ON ts PARTITION BY sku, location_id ORDER BY sku`,
      );
      expect(r).toHaveLength(4);
      return r;
    });
    expect(rows).toEqual([
      { sku: "BURSTY", location_id: String(LOC), reported: 60, unreported_sold: 5, available: 55 },
      { sku: "IDLE", location_id: String(LOC), reported: 10, unreported_sold: 0, available: 10 },
      { sku: "RESTOCK", location_id: String(LOC), reported: 50, unreported_sold: 2, available: 48 },
      { sku: "STEADY", location_id: String(LOC), reported: 101, unreported_sold: 2, available: 99 },
    ]);
  });

  it("takes a new sale off the level and a late, older report changes nothing", async () => {
    await sell("IDLE", 0.1, 3);
    await report("IDLE", 6, 999); // older than the 5 h report: history, not the current level
    await eventually(async () => {
      const f = await latestForecasts();
      expect(f.get("IDLE")?.available).toBe(7);
      // One 3-unit line in 24 h: 3/24 per hour.
      expect(f.get("IDLE")?.velocity_per_hour).toBeCloseTo(3 / 24, 12);
      expect(f.get("IDLE")?.eta_hours).toBeCloseTo(7 / (3 / 24), 9);
    });
  });

  it("runs every Inventory dashboard panel's SQL on QuestDB, with the expected rows", async () => {
    const range = dashboardRange();
    // Grafana fills the variables first: the platforms (All), then the shops on them; one shop chosen.
    const all = await choose(null, null);
    expect(all.variables.platform).toEqual(["shopify"]);
    expect(all.variables.shop).toEqual([SHOP]);
    const one = await choose(["shopify"], [SHOP]);
    const expandMacros = (sql: string, chosen: Chosen) => renderQuery(sql, { ...range, ...chosen });
    // Every target of the provisioned dashboard, exactly as Grafana and the QuestDB plugin send it.
    const panels = (inventory().build().panels ?? []) as Panel[];
    const targets = panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({ title: p.title, ...(t as unknown as { rawSql: string }) })),
    );
    for (const sql of Object.values(INVENTORY_PANELS)) expect(targets.map((t) => t.rawSql)).toContain(sql);
    for (const { title, rawSql } of targets) {
      // "Firing alerts" reads the alerting worker's table; test/alerting.test.ts runs it with the worker.
      if (title === "Firing alerts") continue;
      for (const chosen of [one, all]) {
        const result = await stack.db.exec(expandMacros(rawSql, chosen));
        expect(result.count, title).toBeGreaterThan(0);
      }
    }
    const eta = await stack.db.rows<{
      platform: string;
      shop: string;
      sku: string;
      eta_hours: number | null;
    }>(expandMacros(STOCKOUT_ETA_TABLE, one));
    // Soonest stockout first (IDLE: 7 units at 3/24 per hour = 56 h), not-selling SKUs last.
    // Every SKU of the shop, item:9004 (retired once mapped to RESTOCK) not among them.
    expect(eta.map((r) => r.sku)).toEqual(["STEADY", "IDLE", "BURSTY", "RESTOCK"]);
    expect(new Set(eta.map((r) => `${r.platform} ${r.shop}`))).toEqual(new Set([`shopify ${SHOP}`]));
    const low = await stack.db.rows<{ sku: string; short_by: number }>(expandMacros(LOW_STOCK_TABLE, one));
    // STEADY 99 is 237 under ceil(336); BURSTY 55 is 37 under ceil(91.95) = 92.
    expect(low.find((r) => r.sku === "STEADY")?.short_by).toBe(336 - 99);
    expect(low.find((r) => r.sku === "BURSTY")?.short_by).toBe(92 - 55);
    const everything = await stack.db.rows<{ sku: string }>(expandMacros(STOCKOUT_ETA_TABLE, all));
    expect(everything.map((r) => r.sku)).toEqual(eta.map((r) => r.sku));
  });

  it("takes the SKU a platform names in its stock event (BigCommerce does) over the item map", async () => {
    const nc = await connect({ servers: stack.natsUrl });
    try {
      const event: CanonicalEvent = {
        v: 1,
        platform: "bigcommerce",
        shop: "abc123",
        eventId: "stock-test-1",
        receivedAt: new Date().toISOString(),
        type: "inventory_level",
        inventoryLevel: {
          inventoryItemId: "variant:77",
          locationId: "default",
          sku: "BC-KETTLE",
          available: 12,
          updatedAt: at(1),
        },
      };
      await jetstream(nc).publish(eventSubject(event), JSON.stringify(event), { msgID: event.eventId });
    } finally {
      await nc.close();
    }
    await eventually(async () => {
      const rows = await stack.db.rows<{ sku: string; available: number }>(
        "SELECT sku, available FROM stockout_forecast WHERE shop = 'abc123' LATEST ON ts PARTITION BY sku",
      );
      expect(rows).toEqual([{ sku: "BC-KETTLE", available: 12 }]);
    });
  });

  it("shows one platform, one shop or everything; a shop name on two platforms stays two shops", async () => {
    // The same shop string on BigCommerce as the Shopify shop above: keys are platform and shop.
    const nc = await connect({ servers: stack.natsUrl });
    try {
      const event: CanonicalEvent = {
        v: 1,
        platform: "bigcommerce",
        shop: SHOP,
        eventId: "stock-test-same-shop",
        receivedAt: new Date().toISOString(),
        type: "inventory_level",
        inventoryLevel: {
          inventoryItemId: "variant:78",
          locationId: "default",
          sku: "BC-TEAPOT",
          available: 4,
          updatedAt: at(1),
        },
      };
      await jetstream(nc).publish(eventSubject(event), JSON.stringify(event), { msgID: event.eventId });
    } finally {
      await nc.close();
    }
    const range = dashboardRange();
    const eta = async (chosen: Chosen) =>
      (
        await stack.db.rows<{ platform: string; shop: string; sku: string }>(
          renderQuery(STOCKOUT_ETA_TABLE, { ...range, ...chosen }),
        )
      )
        .map((r) => `${r.platform} ${r.shop} ${r.sku}`)
        .sort();
    const shopifySkus = ["BURSTY", "IDLE", "RESTOCK", "STEADY"].map((sku) => `shopify ${SHOP} ${sku}`);
    await eventually(async () =>
      expect(await eta(await choose(null, null))).toEqual(
        [...shopifySkus, "bigcommerce abc123 BC-KETTLE", `bigcommerce ${SHOP} BC-TEAPOT`].sort(),
      ),
    );
    const bigcommerce = await choose(["bigcommerce"], null);
    expect(bigcommerce.variables.shop!.sort()).toEqual(["abc123", SHOP].sort());
    expect(await eta(bigcommerce)).toEqual(
      ["bigcommerce abc123 BC-KETTLE", `bigcommerce ${SHOP} BC-TEAPOT`].sort(),
    );
    expect(await eta(await choose(["shopify"], null))).toEqual(shopifySkus);
    expect(await eta(await choose(["bigcommerce"], [SHOP]))).toEqual([`bigcommerce ${SHOP} BC-TEAPOT`]);
    expect(await eta(await choose(null, [SHOP]))).toEqual(
      [...shopifySkus, `bigcommerce ${SHOP} BC-TEAPOT`].sort(),
    );
  });
});
