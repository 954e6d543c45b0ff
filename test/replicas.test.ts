import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENTS_STREAM } from "../core/nats.ts";
import { sqlString } from "../core/questdb.ts";
import { nodeService, type NodeService } from "../services/node-service.ts";
import { freePort, waitFor } from "../services/ports.ts";
import { eventually } from "./support/eventually.ts";
import { settled } from "./support/settled.ts";
import {
  orderPayload,
  orderTotals,
  ShopifyWebhookSender,
  type OrderSpec,
} from "./support/shopify-webhooks.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";

/**
 * Two ingest processes and two processor replicas, each replica owning a partition of the shops
 * (PROCESSOR_PARTITIONS=2). One replica is killed with SIGKILL while it holds messages it pulled
 * and has not acked; its successor takes the partition over. In the end every order is in once and
 * every shop's revenue is what the generated orders add up to, computed here from the specs.
 */

const SHOPS = Array.from({ length: 8 }, (_, i) => `replica-${i}.myshopify.com`);
const ORDERS_PER_SHOP = 40;

let stack: Awaited<ReturnType<typeof startTestStack>>;
let secondIngest: NodeService;
let secondIngestUrl: string;

beforeAll(async () => {
  stack = await startTestStack({
    PROCESSOR_PARTITIONS: "2",
    BATCH_MAX_MESSAGES: "50",
    ACK_WAIT_MS: "3000",
  });
  const port = await freePort();
  secondIngestUrl = `http://127.0.0.1:${port}`;
  secondIngest = nodeService(
    "ingest-2",
    "ingest/main.ts",
    { ...stack.env, INGEST_PORT: String(port) },
    {
      output: `${stack.dir}/ingest-2.log`,
      ready: () =>
        waitFor(
          "second ingest",
          async () => (await fetch(`${secondIngestUrl}/readyz`).catch(() => undefined))?.ok === true,
          30_000,
        ),
    },
  );
  await secondIngest.start();
});
afterAll(async () => {
  await secondIngest?.stop();
  await stack?.stop();
});

/** An order's id is unique across shops; its creation times are a few seconds in the past. */
function specsFor(shopIndex: number): OrderSpec[] {
  return Array.from({ length: ORDERS_PER_SHOP }, (_, i) => {
    const id = BigInt(1_000_000 + shopIndex * 1000 + i);
    return {
      id,
      createdAt: new Date(Date.now() - (i + 1) * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
      lines: [{ id: id * 10n, priceCents: 250 + ((i * 53 + shopIndex * 7) % 4000), quantity: 1 + (i % 4) }],
      shippingCents: i % 3 ? 0 : 599,
    };
  });
}

async function deliverUntilAccepted(sender: ShopifyWebhookSender, spec: OrderSpec, eventId: string) {
  for (;;) {
    const res = await sender
      .deliver("orders/create", orderPayload(spec), { eventId })
      .catch(() => ({ status: 0 }));
    if (res.status === 200) return;
    expect(res.status, "only 503 is an acceptable refusal").toBe(503);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function consumer(name: string) {
  const nc = await connect({ servers: stack.natsUrl });
  try {
    return await (await jetstreamManager(nc)).consumers.info(EVENTS_STREAM, name);
  } finally {
    await nc.close();
  }
}

/** How many messages the stream holds on subjects matching `filter`. */
async function messagesOn(filter: string): Promise<number> {
  const nc = await connect({ servers: stack.natsUrl });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(EVENTS_STREAM, { subjects_filter: filter });
    return Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
  } finally {
    await nc.close();
  }
}

describe("two processor replicas, one killed mid-stream", () => {
  it("ends exact: every order once, each shop's revenue as the orders add up", async () => {
    const plan = SHOPS.map((shop, s) => ({ shop, specs: specsFor(s) }));
    // Shops alternate between the two ingest processes; each order is also redelivered once in ten.
    const sending = Promise.all(
      plan.map(async ({ shop, specs }, s) => {
        const sender = new ShopifyWebhookSender(
          s % 2 ? secondIngestUrl : stack.ingestUrl,
          TEST_SECRETS.SHOPIFY_API_SECRET,
          shop,
        );
        for (const [i, spec] of specs.entries()) {
          await deliverUntilAccepted(sender, spec, `${shop}-${i}`);
          if (i % 10 === 0) await deliverUntilAccepted(sender, spec, `${shop}-${i}`);
        }
      }),
    );

    // Freeze QuestDB once replica 1 has orders in hand: its write can neither succeed nor fail, so
    // what it pulled stays unacked until the kill.
    await eventually(
      async () => expect((await consumer("orders_p1")).delivered.stream_seq).toBeGreaterThan(0),
      {
        timeoutMs: 30_000,
        intervalMs: 50,
      },
    );
    const victim = stack.processorReplicas[1]!;
    stack.questdb!.pause();
    let heldAtKill: number;
    try {
      heldAtKill = await eventually(
        async () => {
          const { num_ack_pending } = await consumer("orders_p1");
          expect(num_ack_pending).toBeGreaterThan(0);
          return num_ack_pending;
        },
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      await victim.kill();
    } finally {
      stack.questdb!.resume();
    }
    await victim.start();
    await sending;

    await settled(stack.natsUrl, stack.db, ["orders", "sales_facts", "sales_1m"]);
    for (const { shop, specs } of plan) {
      const revenue = specs.reduce((sum, spec) => sum + orderTotals(spec).total, 0);
      const [orders] = await stack.db.rows<{ n: number; distinct_ids: number; total: number }>(
        `SELECT count() n, count_distinct(order_id) distinct_ids, sum(total_minor) total FROM orders WHERE shop = ${sqlString(shop)}`,
      );
      expect(orders, shop).toEqual({ n: specs.length, distinct_ids: specs.length, total: revenue });
      const [windows] = await stack.db.rows<{ orders: number; revenue: number }>(
        `SELECT sum(orders) orders, sum(revenue_minor) revenue FROM sales_1m WHERE shop = ${sqlString(shop)}`,
      );
      expect(windows, shop).toEqual({ orders: specs.length, revenue });
    }

    // The killed replica held work, and its successor was handed all of it again: every delivery
    // beyond one per message of partition 1 is a redelivery.
    expect(heldAtKill).toBeGreaterThan(0);
    const after = await consumer("orders_p1");
    expect(after.delivered.consumer_seq - (await messagesOn("evt.*.*.*.1"))).toBeGreaterThanOrEqual(
      heldAtKill,
    );
    // Both partitions carried shops: neither replica did all the work.
    const [onP0, onP1] = [await messagesOn("evt.*.*.*.0"), await messagesOn("evt.*.*.*.1")];
    expect(onP0).toBeGreaterThan(0);
    expect(onP1).toBeGreaterThan(0);
    // Every order's message is on exactly one partition's subject (each order sent once, deduplicated).
    expect(onP0 + onP1).toBe(SHOPS.length * ORDERS_PER_SHOP);
  });

  it("moves what a publisher without PROCESSOR_PARTITIONS sent to its shop's partition, and loses none", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // The misconfiguration: an ingest that was not told there are two partitions.
    const unaware = nodeService(
      "ingest-unaware",
      "ingest/main.ts",
      { ...stack.env, INGEST_PORT: String(port), PROCESSOR_PARTITIONS: "1" },
      {
        output: `${stack.dir}/ingest-unaware.log`,
        ready: () =>
          waitFor(
            "unaware ingest",
            async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true,
            30_000,
          ),
      },
    );
    await unaware.start();
    try {
      const shop = "replica-unaware.myshopify.com";
      const specs = specsFor(SHOPS.length).slice(0, 12);
      const sender = new ShopifyWebhookSender(url, TEST_SECRETS.SHOPIFY_API_SECRET, shop);
      for (const [i, spec] of specs.entries()) await deliverUntilAccepted(sender, spec, `${shop}-${i}`);
      expect(await messagesOn("evt.*.*.*")).toBeGreaterThanOrEqual(specs.length);
      await settled(stack.natsUrl, stack.db, ["orders", "sales_facts", "sales_1m"]);
      const [orders] = await stack.db.rows<{ n: number; total: number }>(
        `SELECT count() n, sum(total_minor) total FROM orders WHERE shop = ${sqlString(shop)}`,
      );
      expect(orders).toEqual({
        n: specs.length,
        total: specs.reduce((sum, s) => sum + orderTotals(s).total, 0),
      });
    } finally {
      await unaware.stop();
    }
  });
});
