import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceExit } from "../services/node-service.ts";
import { DEAD_LETTER_STREAM, EVENTS_STREAM } from "../core/nats.ts";
import { eventually } from "./support/eventually.ts";
import {
  orderPayload,
  orderTotals,
  ShopifyWebhookSender,
  type OrderSpec,
} from "./support/shopify-webhooks.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";

/**
 * Faults the pipeline must survive without losing or doubling an order: the broker killed, the
 * database killed, a processor killed mid-batch, a processor stopped mid-batch, poison in the stream.
 * After each, the totals in QuestDB must equal what was accepted, computed from the generated specs.
 * Crashes are SIGKILL (nothing flushes), and each is made to land while the orders consumer holds
 * messages it pulled and has not acked — checked, not hoped for.
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

/** The orders consumer as JetStream sees it (its own connection: the tests restart NATS). */
async function ordersConsumer() {
  const nc = await connect({ servers: stack.natsUrl });
  try {
    return await (await jetstreamManager(nc)).consumers.info(EVENTS_STREAM, "orders");
  } finally {
    await nc.close();
  }
}

/** Deliveries beyond the first, so far: every delivery advances the consumer's sequence, every new message the stream's. */
async function redeliveries(): Promise<number> {
  const { delivered } = await ordersConsumer();
  return delivered.consumer_seq - delivered.stream_seq;
}

/** Waits until the orders consumer holds pulled-but-unacked messages, and says how many. */
async function unackedHeld(): Promise<number> {
  return eventually(
    async () => {
      const { num_ack_pending } = await ordersConsumer();
      expect(num_ack_pending).toBeGreaterThan(0);
      return num_ack_pending;
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  );
}

async function readyz(): Promise<number> {
  const res = await fetch(`${stack.ingestUrl}/readyz`, { signal: AbortSignal.timeout(5000) });
  await res.body?.cancel();
  return res.status;
}

const expected = (batch: OrderSpec[]) => ({
  n: batch.length,
  total: batch.reduce((s, o) => s + orderTotals(o).total, 0),
});

describe("NATS killed", () => {
  it("answers 503 (webhooks and /readyz) while the broker is down, and loses nothing once it is back", async () => {
    const batch = specs(60);
    let accepted = 0;
    const sending = (async () => {
      let refused = 0;
      for (const [i, spec] of batch.entries()) {
        refused += await deliverUntilAccepted("orders/create", spec, `nats-${i}`);
        accepted += 1;
        // Paced so the batch outlasts the wait below: on an idle machine 60 deliveries could all be
        // accepted before NATS stops, and then nothing would be refused.
        await new Promise((r) => setTimeout(r, 5));
      }
      return refused;
    })();
    // NATS stops mid-batch: some deliveries accepted, most still to come.
    await eventually(async () => expect(accepted).toBeGreaterThanOrEqual(5), {
      timeoutMs: 30_000,
      intervalMs: 5,
    });
    expect(await readyz()).toBe(200);
    await stack.nats!.kill();
    // While it is down, a delivery is refused with 503 (the platform will retry) and ingest is not ready.
    const probe = await shopify.deliver("orders/create", orderPayload(specs(1)[0]!));
    expect(probe.status).toBe(503);
    await eventually(async () => expect(await readyz()).toBe(503), { timeoutMs: 10_000 });
    await stack.nats!.start();
    await eventually(async () => expect(await readyz()).toBe(200), { timeoutMs: 30_000 });
    const refused = await sending;
    expect(refused).toBeGreaterThan(0);
    await eventually(async () => expect(await totalsFor(batch.map((s) => s.id))).toEqual(expected(batch)), {
      timeoutMs: 30_000,
    });
  });
});

describe("QuestDB killed", () => {
  it("keeps accepting webhooks; the events wait unacked and land once QuestDB is back", async () => {
    const batch = specs(40);
    await stack.questdb!.kill();
    for (const [i, spec] of batch.entries()) {
      expect(
        (await shopify.deliver("orders/create", orderPayload(spec), { eventId: `qdb-${i}` })).status,
      ).toBe(200);
    }
    // The processors pulled them and could not write: held unacked, not dropped.
    await unackedHeld();
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
    const redeliveredBefore = await redeliveries();
    // Freeze QuestDB once orders flow: the processors' write in flight can neither succeed nor fail,
    // so what they pulled stays unacked until the kill. That is the crash this test is about.
    await eventually(async () => expect((await ordersConsumer()).delivered.stream_seq).toBeGreaterThan(0));
    stack.questdb!.pause();
    let heldAtKill: number;
    try {
      heldAtKill = await unackedHeld();
      await stack.processors.kill();
    } finally {
      stack.questdb!.resume();
    }
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
    // What the killed processor held came back to its successor.
    expect(heldAtKill).toBeGreaterThan(0);
    expect((await redeliveries()) - redeliveredBefore).toBeGreaterThanOrEqual(heldAtKill);
  });
});

describe("processor stopped (SIGTERM)", () => {
  it("drains: writes and acks what it pulled before it exits, with status 0", async () => {
    const batch = specs(30);
    stack.questdb!.pause();
    let exit: Promise<ServiceExit>;
    try {
      for (const [i, spec] of batch.entries())
        await deliverUntilAccepted("orders/create", spec, `drain-${i}`);
      await unackedHeld();
      exit = new Promise((resolve) => stack.processors.onExit(resolve));
      const stopping = stack.processors.stop();
      stack.questdb!.resume();
      await stopping;
    } finally {
      stack.questdb!.resume();
    }
    expect(await exit).toMatchObject({ code: 0, requested: true });
    // Settled before the exit, not left for ack_wait to hand to a successor.
    expect((await ordersConsumer()).num_ack_pending).toBe(0);
    // Written by the drained processor: none runs now.
    await eventually(async () => expect(await totalsFor(batch.map((s) => s.id))).toEqual(expected(batch)));
    await stack.processors.start();
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
