import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEAD_LETTER_STREAM } from "../core/nats.ts";
import { eventually } from "./support/eventually.ts";
import {
  orderPayload,
  orderTotals,
  ShopifyWebhookSender,
  type OrderSpec,
} from "./support/shopify-webhooks.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";

/**
 * Faults the pipeline must survive without losing or doubling an order: the broker restarting,
 * the database going away, a processor crashing mid-batch, poison in the stream. After each, the
 * totals in QuestDB must equal what was accepted, computed from the generated specs.
 */

let stack: Awaited<ReturnType<typeof startTestStack>>;
let shopify: ShopifyWebhookSender;

beforeAll(async () => {
  stack = await startTestStack({
    BATCH_MAX_MESSAGES: "50",
    PUBLISH_TIMEOUT_MS: "1000",
    MAX_DELIVERIES: "2",
    ACK_WAIT_MS: "5000",
  });
  shopify = new ShopifyWebhookSender(
    stack.ingestUrl,
    TEST_SECRETS.SHOPIFY_API_SECRET,
    "faults.myshopify.com",
  );
});
afterAll(async () => stack?.stop());

let nextId = 100_000n;
function specs(count: number): OrderSpec[] {
  return Array.from({ length: count }, (_, i) => {
    nextId += 1n;
    return {
      id: nextId,
      createdAt: new Date(Date.now() - (i + 1) * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
      lines: [{ id: nextId * 10n, priceCents: 100 + ((i * 37) % 5000), quantity: 1 + (i % 3) }],
      shippingCents: i % 2 ? 499 : 0,
    };
  });
}

/** Delivers like Shopify does: a failed delivery is retried (here quickly) until it is accepted. */
async function deliverUntilAccepted(topic: string, spec: OrderSpec, eventId: string): Promise<number> {
  let failures = 0;
  for (;;) {
    const res = await shopify.deliver(topic, orderPayload(spec), { eventId }).catch(() => ({ status: 0 }));
    if (res.status === 200) return failures;
    expect(res.status, "only 503 is an acceptable refusal").toBe(503);
    failures += 1;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function totalsFor(ids: bigint[]) {
  const list = ids.map((id) => `'${id}'`).join(",");
  const [row] = await stack.db.rows<{ n: number; total: number | null }>(
    `SELECT count() n, sum(total_minor) total FROM orders WHERE shop = 'faults.myshopify.com' AND order_id IN (${list})`,
  );
  return { n: row!.n, total: row!.total ?? 0 };
}

const expected = (batch: OrderSpec[]) => ({
  n: batch.length,
  total: batch.reduce((s, o) => s + orderTotals(o).total, 0),
});

describe("NATS restart", () => {
  it("answers 503 while the broker is down, and loses nothing once it is back", async () => {
    const batch = specs(60);
    const sending = (async () => {
      let refused = 0;
      for (const [i, spec] of batch.entries()) {
        refused += await deliverUntilAccepted("orders/create", spec, `nats-${i}`);
        // Paced so the batch outlasts the 150 ms before NATS stops: on an idle machine 60 deliveries
        // could all be accepted first, and then nothing would be refused.
        await new Promise((r) => setTimeout(r, 5));
      }
      return refused;
    })();
    await new Promise((r) => setTimeout(r, 150));
    await stack.nats!.stop();
    // While it is down, a delivery is refused with 503 (the platform will retry).
    const probe = await shopify.deliver("orders/create", orderPayload(specs(1)[0]!));
    expect(probe.status).toBe(503);
    await new Promise((r) => setTimeout(r, 1500));
    await stack.nats!.start();
    const refused = await sending;
    expect(refused).toBeGreaterThan(0);
    await eventually(async () => expect(await totalsFor(batch.map((s) => s.id))).toEqual(expected(batch)), {
      timeoutMs: 30_000,
    });
  });
});

describe("QuestDB outage", () => {
  it("keeps accepting webhooks; the events wait unacked and land once QuestDB is back", async () => {
    const batch = specs(40);
    await stack.questdb!.stop();
    for (const [i, spec] of batch.entries()) {
      expect(
        (await shopify.deliver("orders/create", orderPayload(spec), { eventId: `qdb-${i}` })).status,
      ).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 2000));
    await stack.questdb!.start();
    await eventually(async () => expect(await totalsFor(batch.map((s) => s.id))).toEqual(expected(batch)), {
      timeoutMs: 60_000,
    });
  });
});

describe("processor crash", () => {
  it("reconciles exactly after a SIGKILL mid-stream, with duplicates and out-of-order updates", async () => {
    const batch = specs(150);
    const sending = (async () => {
      for (const [i, spec] of batch.entries()) {
        await deliverUntilAccepted("orders/create", spec, `crash-${i}`);
        if (i % 10 === 0) await deliverUntilAccepted("orders/create", spec, `crash-${i}`); // a redelivery
        if (i % 15 === 0) {
          // A newer state (more items), then the old state again, delivered late.
          const newer = {
            ...spec,
            updatedAt: new Date(Date.parse(spec.createdAt) + 500).toISOString(),
            lines: [{ ...spec.lines[0]!, quantity: 9 }],
          };
          await deliverUntilAccepted("orders/updated", newer, `crash-upd-${i}`);
          await deliverUntilAccepted("orders/updated", spec, `crash-old-${i}`);
          batch[i] = newer;
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await stack.processors.kill();
    await new Promise((r) => setTimeout(r, 500));
    await stack.processors.start();
    await sending;
    // What the killed processor had pulled but not acked comes back after ACK_WAIT_MS (5 s here).
    await eventually(async () => expect(await totalsFor(batch.map((s) => s.id))).toEqual(expected(batch)), {
      timeoutMs: 30_000,
    });
    const lines = await stack.db.rows<{ n: number; qty: number }>(
      `SELECT count() n, sum(quantity) qty FROM order_lines WHERE shop = 'faults.myshopify.com' AND order_id IN (${batch.map((s) => `'${s.id}'`).join(",")})`,
    );
    expect(lines[0]).toEqual({ n: batch.length, qty: batch.reduce((s, o) => s + o.lines[0]!.quantity, 0) });
  });
});

describe("poison messages", () => {
  it("go to the dead-letter stream with the reason, and do not hold up the messages behind them", async () => {
    const nc = await connect({ servers: stack.natsUrl });
    try {
      const js = jetstream(nc);
      await js.publish("evt.shopify.faults_2emyshopify_2ecom.order", "{not json", { msgID: "poison-1" });
      await js.publish(
        "evt.shopify.faults_2emyshopify_2ecom.order",
        JSON.stringify({ v: 1, type: "order", order: {} }),
        { msgID: "poison-2" },
      );
      const after = specs(1);
      await deliverUntilAccepted("orders/create", after[0]!, "after-poison");
      await eventually(async () => expect(await totalsFor([after[0]!.id])).toEqual(expected(after)));

      const jsm = await jetstreamManager(nc);
      // Every consumer of the stream (orders, sales, …) dead-letters a poison message on its own.
      const ours = await eventually(async () => {
        const info = await jsm.streams.info(DEAD_LETTER_STREAM);
        const messages = [];
        for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
          messages.push(await jsm.streams.getMessage(DEAD_LETTER_STREAM, { seq }));
        }
        const fromOrders = messages.filter((m) => m?.header.get("MetricsDash-Consumer") === "orders");
        expect(fromOrders.length).toBeGreaterThanOrEqual(2);
        return fromOrders;
      });
      const [first, second] = ours;
      expect(first?.subject).toBe("dlq.evt.shopify.faults_2emyshopify_2ecom.order");
      expect(first?.header.get("MetricsDash-Error")).toMatch(/not JSON/);
      expect(second?.header.get("MetricsDash-Error")).toMatch(/not a canonical event/);
    } finally {
      await nc.close();
    }
  });
});
