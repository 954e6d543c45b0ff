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
import { catchUp } from "./catchup.ts";

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
