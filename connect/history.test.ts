import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../core/events.ts";
import { createLogger } from "../core/log.ts";
import { bigCommerceApi } from "../platforms/bigcommerce/index.ts";
import { FakeBigCommerce } from "../test/fakes/bigcommerce/store.ts";
import { FakeWooCommerce } from "../test/fakes/woocommerce/store.ts";
import { wooApi } from "../platforms/woocommerce/index.ts";
import type { PlatformApi } from "../platforms/adapter.ts";
import { startNatsServer, type NatsServer } from "../services/nats-server.ts";
import { HistoryBackfills, HistoryStore, newHistoryCheckpoint } from "./history.ts";

let nats: NatsServer;
let nc: NatsConnection;
const log = createLogger("history-test", "silent");
const shared = { customerHashKey: "k".repeat(32), log };

beforeAll(async () => {
  nats = await startNatsServer({ dir: mkdtempSync(join(tmpdir(), "history-")) });
  nc = await connect({ servers: nats.url });
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

/** Runs one store's history to its end, collecting what it published. */
async function runHistory(api: PlatformApi, store: HistoryStore, seed?: Parameters<HistoryStore["save"]>[0]) {
  const published: CanonicalEvent[] = [];
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const history = new HistoryBackfills({
    store,
    api: async () => api,
    publish: async (events) => void published.push(...events),
    finished: async () => finish(),
    log,
  });
  await store.save(seed ?? newHistoryCheckpoint(api.platform, api.shop, 60));
  history.start(api.platform, api.shop);
  await finished;
  await history.stopAll();
  const levels = Object.fromEntries(
    published.flatMap((e) =>
      e.type === "inventory_level" ? [[e.inventoryLevel.inventoryItemId, e.inventoryLevel.available]] : [],
    ),
  );
  return { published, levels, checkpoint: await store.get(api.platform, api.shop) };
}

describe("a connected store's history loads its current stock after its orders", () => {
  it("WooCommerce: managed products and variations, a parent-managed variable product once, unmanaged none", async () => {
    const woo = await FakeWooCommerce.start();
    try {
      woo.products.set(10, { sku: "TEE", type: "simple", manageStock: true, stock: 7, variations: [] });
      woo.products.set(11, { sku: "MUG", type: "simple", manageStock: false, stock: null, variations: [] });
      woo.products.set(12, {
        sku: "HOODIE",
        type: "variable",
        manageStock: false,
        stock: null,
        variations: [
          { id: 121, sku: "HOODIE-S", manageStock: true, stock: 3 },
          { id: 122, sku: "HOODIE-M", manageStock: true, stock: 0 },
        ],
      });
      woo.products.set(13, {
        sku: "CAP",
        type: "variable",
        manageStock: true,
        stock: 12,
        variations: [{ id: 131, sku: "CAP-RED", manageStock: "parent", stock: null }],
      });
      const store = new HistoryStore(await new Kvm(jetstream(nc)).create("history_woo_test", { history: 1 }));
      const api = wooApi(
        { siteUrl: `${woo.siteUrl}/`, consumerKey: woo.consumerKey, consumerSecret: woo.consumerSecret },
        shared,
      );
      const { levels, checkpoint } = await runHistory(api, store);
      // By hand from the catalogue above: the mug is unmanaged, the cap's variation shares the cap's 12.
      expect(levels).toEqual({ "10": 7, "121": 3, "122": 0, "13": 12 });
      expect(checkpoint).toMatchObject({ phase: "done", levels: 4, stockTotalPages: 1 });
    } finally {
      await woo.stop();
    }
  });

  it("WooCommerce: a history stopped after the first stock page resumes at the second", async () => {
    const woo = await FakeWooCommerce.start();
    try {
      for (let id = 1; id <= 150; id++)
        woo.products.set(id, {
          sku: `SKU-${id}`,
          type: "simple",
          manageStock: true,
          stock: id % 9,
          variations: [],
        });
      const store = new HistoryStore(
        await new Kvm(jetstream(nc)).create("history_woo_resume", { history: 1 }),
      );
      const api = wooApi(
        { siteUrl: `${woo.siteUrl}/`, consumerKey: woo.consumerKey, consumerSecret: woo.consumerSecret },
        shared,
      );
      // As a crash leaves it: orders done, stock page 1 of 2 published (100 levels).
      const crashed = {
        ...newHistoryCheckpoint(api.platform, api.shop, 60),
        phase: "stock" as const,
        nextPage: 2,
        totalPages: 1,
        totalOrders: 0,
        stockNextPage: 2,
        stockTotalPages: 2,
        levels: 100,
      };
      const { levels, checkpoint } = await runHistory(api, store, crashed);
      const asked = woo.requests.filter((r) => r.path === "/products").map((r) => r.query.get("page"));
      expect(asked).toEqual(["2"]);
      expect(woo.requests.some((r) => r.path === "/orders")).toBe(false);
      expect(Object.keys(levels)).toHaveLength(50);
      expect(levels["150"]).toBe(150 % 9);
      expect(checkpoint).toMatchObject({ phase: "done", levels: 150 });
    } finally {
      await woo.stop();
    }
  });

  it("BigCommerce: product-tracked and variant-tracked stock, untracked products left out", async () => {
    const bc = await FakeBigCommerce.start("histstock1");
    try {
      await bc.setProductStock(501, "TOTE", 5, "2026-11-20T10:00:00.000Z");
      await bc.setVariantStock(502, 5021, "BAG-S", 2);
      await bc.setVariantStock(502, 5022, "BAG-L", 9);
      bc.products.set(503, {
        sku: "GIFT",
        tracking: "none",
        level: 0,
        modifiedAt: "2026-11-20T10:00:00.000Z",
        variants: [],
      });
      const store = new HistoryStore(await new Kvm(jetstream(nc)).create("history_bc_test", { history: 1 }));
      const api = bigCommerceApi(
        {
          BIGCOMMERCE_STORE_HASH: bc.storeHash,
          BIGCOMMERCE_ACCESS_TOKEN: bc.accessToken,
          BIGCOMMERCE_API_URL: bc.apiUrl,
        },
        shared,
      );
      const { levels, checkpoint } = await runHistory(api, store);
      expect(levels).toEqual({ "product:501": 5, "variant:5021": 2, "variant:5022": 9 });
      expect(checkpoint).toMatchObject({ phase: "done", levels: 3 });
    } finally {
      await bc.stop();
    }
  });
});
