import { writeFileSync } from "node:fs";
import { jetstreamManager, type StreamInfo } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BENCH_HASH_KEY, BENCH_SECRET } from "../bench/corpus.ts";
import { EVENTS_STREAM } from "../core/nats.ts";
import { eventually } from "./support/eventually.ts";
import { LOAD_CONCURRENCY, REDELIVERY_EVERY, storedOrders, underLoad } from "./support/order-load.ts";
import { settled } from "./support/settled.ts";
import { startTestStack } from "./support/stack.ts";

/**
 * "Fill the disk limit of the stream" under load: EVENTS bounded to 256 KiB (EVENTS_MAX_BYTES), far
 * less than the orders sent, and the processors stopped when the load starts so nothing is
 * acknowledged and the stream must fill. Then: ingest refuses with 503 (the load tool retries them as
 * platforms do), /readyz says the stream is full, and no stored order was dropped to make room.
 * The processors come back, drain, and processors/stream-trim makes room from what they acknowledged;
 * the retries get in. QuestDB must end with every order exactly once and the exact revenue.
 *
 * FAULTS_STREAM_ORDERS sets the orders (600 by default); FAULTS_STREAM_REPORT=<file> writes the figures.
 */

const ORDERS = Number(process.env.FAULTS_STREAM_ORDERS ?? 600);
const MAX_BYTES = 256 * 1024;
const SHOP = "fault-stream-full.myshopify.com";

let stack: Awaited<ReturnType<typeof startTestStack>>;

beforeAll(async () => {
  stack = await startTestStack({
    SHOPIFY_API_SECRET: BENCH_SECRET,
    CUSTOMER_HASH_KEY: BENCH_HASH_KEY,
    LOG_LEVEL: process.env.FAULTS_STREAM_LOG_LEVEL ?? "warn",
    EVENTS_MAX_BYTES: String(MAX_BYTES),
  });
}, 300_000);
afterAll(async () => {
  await stack?.stop();
});

async function eventsInfo(): Promise<StreamInfo> {
  const nc = await connect({ servers: stack.natsUrl });
  try {
    return await (await jetstreamManager(nc)).streams.info(EVENTS_STREAM);
  } finally {
    await nc.close();
  }
}

async function readyz(): Promise<{ status: number; body: string }> {
  const res = await fetch(`${stack.ingestUrl}/readyz`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

describe(`a full EVENTS stream under load (${ORDERS} orders from ${LOAD_CONCURRENCY} senders, 1 in ${REDELIVERY_EVERY} twice, ${MAX_BYTES / 1024} KiB stream)`, () => {
  it(
    "refuses with 503 while full, keeps what it holds, and ends with every order once and the exact revenue",
    async () => {
      expect((await eventsInfo()).config).toMatchObject({ max_bytes: MAX_BYTES, discard: "new" });
      await stack.processors.stop();
      const sending = underLoad({ ingestUrl: stack.ingestUrl, shop: SHOP, orders: ORDERS });

      // Full: /readyz says so, and the stream still starts at its first message (nothing discarded).
      const notReady = await eventually(
        async () => {
          const answer = await readyz();
          expect(answer.status).toBe(503);
          return answer;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      expect(notReady.body).toContain("stream EVENTS full");
      const full = await eventsInfo();
      expect(full.state.first_seq).toBe(1);
      expect(full.state.bytes).toBeLessThanOrEqual(MAX_BYTES);
      // Less than the whole load fits: the rest can only get in once room is made.
      expect(full.state.messages).toBeLessThan(ORDERS);

      await stack.processors.start();
      const sent = await sending;
      await settled(stack.natsUrl, stack.db, ["orders"]);
      const stored = await storedOrders(stack.db, SHOP);
      const after = await eventsInfo();
      const figures = {
        orders: ORDERS,
        deliveries: sent.deliveries,
        refused: sent.refused,
        heldWhenFull: full.state.messages,
        bytesWhenFull: full.state.bytes,
        streamLastSeq: after.state.last_seq,
        ...stored,
        lost: ORDERS - stored.distinct,
        doubled: stored.stored - stored.distinct,
        revenueExpected: sent.expectedRevenue,
      };
      if (process.env.FAULTS_STREAM_REPORT)
        writeFileSync(process.env.FAULTS_STREAM_REPORT, `${JSON.stringify(figures, null, 2)}\n`);

      expect(sent.refused).toBeGreaterThan(0);
      expect(stored).toEqual({ stored: ORDERS, distinct: ORDERS, revenue: sent.expectedRevenue });
      // Every order went through the stream once: redeliveries were deduplicated, refusals not stored.
      expect(after.state.last_seq).toBe(ORDERS);
      expect((await readyz()).status).toBe(200);
    },
    180_000 + ORDERS * 100,
  );
});
