import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import { ensureStreams, EVENTS_STREAM } from "../../core/nats.ts";
import { jetStreamPublisher } from "../../ingest/publish.ts";
import { FakeWooCommerce } from "../../test/fakes/woocommerce/store.ts";
import { woocommerce } from "../../platforms/woocommerce/index.ts";
import { startNatsServer, type NatsServer } from "../../services/nats-server.ts";
import { QuestDb } from "../../core/questdb.ts";
import { renderQuery } from "../../grafana/interpolate.ts";
import { CATCH_UP_BY_SHOP } from "../../grafana/sql/data-health.ts";
import { startQuestDbServer, type QuestDbServer } from "../../services/questdb-server.ts";
import { eventually } from "../../test/support/eventually.ts";
import { ensureTables } from "../orders/schema.ts";
import { catchUp, startCatchUpLoop } from "./catchup.ts";
import { CATCHUP_RUNS_OUTCOME, CATCHUP_RUNS_TABLE, recordCatchUp, type CatchUpRun } from "./runs.ts";

let nats: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
let woo: FakeWooCommerce;
const log = createLogger("test", "silent");

beforeAll(async () => {
  nats = await startNatsServer({ dir: mkdtempSync(join(tmpdir(), "catchup-")) });
  nc = await connect({ servers: nats.url });
  jsm = await jetstreamManager(nc);
  await ensureStreams(jsm);
  woo = await FakeWooCommerce.start();
});
afterAll(async () => {
  await woo?.stop();
  await nc?.close();
  await nats?.stop();
});

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

async function orderMessages(): Promise<number> {
  const info = await jsm.streams.info(EVENTS_STREAM, { subjects_filter: "evt.woocommerce.*.order" });
  return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
}

describe("catch-up", () => {
  it("catches orders up with a read-only key, then resumes from its watermark without republishing", async () => {
    for (const [id, minutes] of [
      [1, 10],
      [2, 7],
      [3, 1],
    ] as const) {
      woo.orders.set(id, {
        spec: { id, createdAt: ago(minutes), lines: [] },
        status: "processing",
        modifiedAt: ago(minutes),
        refunds: [],
      });
    }
    woo.hooks.push({
      id: 1,
      topic: "order.created",
      deliveryUrl: "https://metrics.example/webhooks/woocommerce",
      secret: "s",
      status: "disabled",
      failureCount: 6,
      timesDisabled: 1,
    });
    woo.readOnlyKey = true;

    const api = woocommerce.api!.create(
      {
        WOOCOMMERCE_STORE_URL: `${woo.siteUrl}/`,
        WOOCOMMERCE_CONSUMER_KEY: woo.consumerKey,
        WOOCOMMERCE_CONSUMER_SECRET: woo.consumerSecret,
      },
      { customerHashKey: "k".repeat(32), log },
    );
    const js = jetstream(nc);
    const options = {
      watermarks: await new Kvm(js).create("catchup_test", { history: 1 }),
      publish: jetStreamPublisher(js, 5000),
      log,
      lookbackMs: 60 * 60_000,
    };

    // Re-enabling the hook needs a write key: that fails, is logged, and the orders come anyway.
    expect(await catchUp(api, options)).toEqual({ events: 3, reactivated: 0 });
    expect(woo.hooks[0]!.status).toBe("disabled");
    expect(await orderMessages()).toBe(3);

    // The next round starts 5 minutes before the last start: only order 3 (1 minute old) is re-read,
    // and being the same state it is the same message, which JetStream drops.
    expect(await catchUp(api, options)).toEqual({ events: 1, reactivated: 0 });
    expect(await orderMessages()).toBe(3);

    woo.readOnlyKey = false;
    expect(await catchUp(api, options)).toEqual({ events: 1, reactivated: 1 });
    expect(woo.hooks[0]!.status).toBe("active");
  });
});

describe("a store that misbehaves", () => {
  const stores: FakeWooCommerce[] = [];
  let questdb: QuestDbServer;
  afterAll(async () => {
    for (const store of stores) store.ordersDelayMs = 0;
    await Promise.all(stores.map((store) => store.stop()));
    await questdb?.stop();
  });

  const apiOf = (store: FakeWooCommerce, secret = store.consumerSecret) =>
    woocommerce.api!.create(
      {
        WOOCOMMERCE_STORE_URL: `${store.siteUrl}/`,
        WOOCOMMERCE_CONSUMER_KEY: store.consumerKey,
        WOOCOMMERCE_CONSUMER_SECRET: secret,
      },
      { customerHashKey: "k".repeat(32), log },
    );
  const withOrders = async (count: number) => {
    const store = await FakeWooCommerce.start();
    stores.push(store);
    for (let id = 1; id <= count; id++) {
      store.orders.set(id, {
        spec: { id, createdAt: ago(30), lines: [] },
        status: "processing",
        modifiedAt: ago(30),
        refunds: [],
      });
    }
    return store;
  };

  it("is stopped at its time or page budget, recorded with why, and the others are caught up without waiting", async () => {
    questdb = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "catchup-runs-")) });
    const db = new QuestDb(questdb.httpUrl);
    // A table from before rounds had an outcome: start-up adds the column.
    await db.exec(CATCHUP_RUNS_TABLE.replace(",\n    outcome SYMBOL", ""));
    await ensureTables(db, [CATCHUP_RUNS_TABLE, CATCHUP_RUNS_OUTCOME]);

    const slow = await withOrders(1);
    slow.ordersDelayMs = 5000; // answers, but long after its budget
    const endless = await withOrders(150); // two pages of 100, one more than its budget
    const refusing = await withOrders(1);
    const healthy = await withOrders(2);
    // WooCommerce disabled two of the healthy store's hooks after failed deliveries: its round turns them on.
    for (const id of [1, 2])
      healthy.hooks.push({
        id,
        topic: id === 1 ? "order.created" : "order.updated",
        deliveryUrl: "https://metrics.example/webhooks/woocommerce",
        secret: "s",
        status: "disabled",
        failureCount: 6,
        timesDisabled: 1,
      });
    const shopOf = (store: FakeWooCommerce) => apiOf(store).shop;

    const runs: (CatchUpRun & { at: number })[] = [];
    const js = jetstream(nc);
    const loop = startCatchUpLoop(
      () => [apiOf(slow), apiOf(endless), apiOf(refusing, "cs_wrong"), apiOf(healthy)],
      {
        watermarks: await new Kvm(js).create("catchup_budget_test", { history: 1 }),
        publish: jetStreamPublisher(js, 5000),
        log,
        lookbackMs: 60 * 60_000,
        intervalMs: 3_600_000,
        budget: { timeMs: 2000, pages: 1 },
        concurrency: 2,
        record: async (run) => {
          runs.push({ ...run, at: Date.now() });
          await recordCatchUp(db, run);
        },
      },
    );
    try {
      await eventually(async () => expect(runs).toHaveLength(4), { timeoutMs: 30_000 });
    } finally {
      await loop.stop();
    }
    const byShop = new Map(runs.map((run) => [run.shop, run]));
    expect(byShop.get(shopOf(slow))).toMatchObject({ outcome: "over_time", events: 0 });
    expect(byShop.get(shopOf(endless))).toMatchObject({ outcome: "over_pages", events: 100 });
    expect(byShop.get(shopOf(refusing))).toMatchObject({ outcome: "failed", events: 0 });
    expect(byShop.get(shopOf(healthy))).toMatchObject({ outcome: "ok", events: 2, reactivated: 2 });
    expect(healthy.hooks.map((h) => h.status)).toEqual(["active", "active"]);
    // The healthy store, listed last, was done before the slow one's budget ran out.
    expect(byShop.get(shopOf(healthy))!.at).toBeLessThan(byShop.get(shopOf(slow))!.at);

    // Visible where the Data health dashboard reads it.
    await eventually(async () => {
      const { dataset } = await db.exec<[string, string, number]>(
        "SELECT shop, outcome, events FROM catchup_runs ORDER BY shop",
      );
      expect(Object.fromEntries(dataset.map(([shop, outcome]) => [shop, outcome]))).toEqual(
        Object.fromEntries([...byShop].map(([shop, run]) => [shop, run.outcome])),
      );
    });
    const panel = await db.rows<{
      shop: string;
      last_outcome: string;
      rounds: number;
      rounds_stopped: number;
      hooks_re_enabled: number;
    }>(
      renderQuery(CATCH_UP_BY_SHOP, {
        from: new Date(Date.now() - 3_600_000),
        to: new Date(Date.now() + 60_000),
        maxDataPoints: 100,
        variables: { platform: ["woocommerce"], shop: [...byShop.keys()] },
        allSelected: [],
      }),
    );
    expect(
      panel
        .map(({ shop, last_outcome, rounds, rounds_stopped, hooks_re_enabled }) => [
          shop,
          last_outcome,
          rounds,
          rounds_stopped,
          hooks_re_enabled,
        ])
        .sort(),
    ).toEqual(
      [...byShop]
        .map(([shop, run]) => [shop, run.outcome, 1, run.outcome === "ok" ? 0 : 1, run.reactivated])
        .sort(),
    );
    // "Hooks re-enabled" on Data health: the two the healthy store's round turned back on, none elsewhere.
    expect(panel.find((r) => r.shop === shopOf(healthy))?.hooks_re_enabled).toBe(2);
    expect(panel.filter((r) => r.shop !== shopOf(healthy)).map((r) => r.hooks_re_enabled)).toEqual([0, 0, 0]);
  }, 60_000);
});
