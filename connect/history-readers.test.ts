import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlatformModule } from "../platforms/adapter.ts";
import { platforms } from "../platforms/index.ts";
import { newCheckpoint } from "../platforms/shopify/backfill.ts";
import { ShopifyCheckpoints } from "../platforms/shopify/checkpoints.ts";
import { startNatsServer, type NatsServer } from "../services/nats-server.ts";
import { HISTORY_BUCKET, HistoryStore, newHistoryCheckpoint } from "./history.ts";
import { historyReaders } from "./history-readers.ts";
import type { HistoryStatus } from "./progress.ts";

/**
 * What the CLI reads: every source's history progress through the registry, on real NATS KV, from
 * the source's own checkpoints when it declares them (Shopify's bulk export) and connect/history.ts's
 * otherwise.
 */

let nats: NatsServer;
let nc: NatsConnection;
let kvm: Kvm;
const bucket = (name: string, options: { history: number }) => kvm.create(name, options);

beforeAll(async () => {
  nats = await startNatsServer({ dir: mkdtempSync(join(tmpdir(), "history-readers-")) });
  nc = await connect({ servers: nats.url });
  kvm = new Kvm(jetstream(nc));
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

describe("history readers from the registry", () => {
  it("reads Shopify's own checkpoints for Shopify, and the shared history for the others", async () => {
    const histories = new HistoryStore(await bucket(HISTORY_BUCKET, { history: 1 }));
    const shopifyCheckpoints = await ShopifyCheckpoints.open(bucket);
    const cp = newCheckpoint("acme.myshopify.com", 60, "paginated");
    await shopifyCheckpoints.save({ ...cp, orders: { ...cp.orders, total: 80, published: 20 } });
    await histories.save({
      ...newHistoryCheckpoint("woocommerce", "woo.example", 60),
      totalOrders: 50,
      published: 5,
    });
    // A shared-history checkpoint under Shopify's name is not Shopify's: its reader never looks there.
    await histories.save({ ...newHistoryCheckpoint("shopify", "other.myshopify.com", 60), published: 7 });

    const readerOf = await historyReaders(bucket, histories);
    expect((await readerOf("shopify").status("acme.myshopify.com"))?.orders).toEqual({
      published: 20,
      total: 80,
    });
    expect(await readerOf("shopify").status("other.myshopify.com")).toBeNull();
    expect((await readerOf("woocommerce").status("woo.example"))?.orders).toEqual({
      published: 5,
      total: 50,
    });
    expect(await readerOf("bigcommerce").status("woo.example")).toBeNull();
  });

  it("uses a source's own reader when its module declares one", async () => {
    const histories = new HistoryStore(await bucket(HISTORY_BUCKET, { history: 1 }));
    const own: HistoryStatus = {
      phase: "orders",
      fraction: 0.5,
      orders: { published: 3, total: 6 },
      stock: { levels: 0 },
      expectOrders: 6,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      error: null,
    };
    const throwaway = {
      ...platforms[0]!,
      platform: "throwaway",
      connect: {
        ...platforms[0]!.connect!,
        history: async () => ({
          status: async (shop: string) => (shop === "corner.example" ? own : null),
          async *watch() {
            yield own;
          },
        }),
      },
    } satisfies PlatformModule;
    const readerOf = await historyReaders(bucket, histories, [throwaway]);
    expect(await readerOf("throwaway").status("corner.example")).toEqual(own);
    expect(await readerOf("throwaway").status("elsewhere.example")).toBeNull();
  });

  it("follows a history as its checkpoint changes until it is done", async () => {
    const histories = new HistoryStore(await bucket(HISTORY_BUCKET, { history: 1 }));
    const readerOf = await historyReaders(bucket, histories);
    const start = { ...newHistoryCheckpoint("bigcommerce", "store-abc", 60), totalOrders: 4, published: 0 };
    await histories.save(start);
    const seen: HistoryStatus[] = [];
    const following = (async () => {
      for await (const status of readerOf("bigcommerce").watch("store-abc")) {
        seen.push(status);
        // Each change is written once the reader has shown the previous one.
        if (status.phase === "done") return;
        if (status.orders.published === 0) await histories.save({ ...start, published: 4 });
        else
          await histories.save({
            ...start,
            published: 4,
            phase: "done",
            finishedAt: new Date().toISOString(),
          });
      }
    })();
    await following;
    expect(seen.map((s) => [s.phase, s.orders.published])).toEqual([
      ["orders", 0],
      ["orders", 4],
      ["done", 4],
    ]);
  });
});
