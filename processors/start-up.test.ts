import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventSubject, type CanonicalEvent } from "../core/events.ts";
import { ensureStreams } from "../core/nats.ts";
import type { QuestDb } from "../core/questdb.ts";
import { startNatsServer, type NatsServer } from "../services/nats-server.ts";
import { nodeService, type NodeService, type ServiceExit } from "../services/node-service.ts";
import { startQuestDbServer, type QuestDbServer } from "../services/questdb-server.ts";
import { eventually } from "../test/support/eventually.ts";
import { TEST_SECRETS } from "../test/support/stack.ts";
import { startWatchProxy, type WatchProxy } from "../test/support/watch-proxy.ts";

/**
 * A processors replica restarted into a backlog while the broker is too slow to answer its start-up
 * requests (issue 19's benchmark: it exited with an unhandled `TimeoutError: timeout`). Here the
 * real nats-server is frozen (SIGSTOP) the moment the replica asks for its inventory consumer — the
 * sales consumer is already draining the backlog then — and thawed only once the replica said it
 * waits: the request misses its 5 s timeout for certain. The replica must live on, say what it
 * waited for, and write the whole backlog exactly once.
 */

let dir: string;
let nats: NatsServer;
let questdb: QuestDbServer;
let db: QuestDb;
let nc: NatsConnection;
let js: JetStreamClient;
let proxy: WatchProxy | undefined;
const replicas: NodeService[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "metricsdash-start-up-"));
  [nats, questdb] = await Promise.all([startNatsServer({ dir }), startQuestDbServer({ dir })]);
  db = questdb.db;
  nc = await connect({ servers: nats.url });
  js = jetstream(nc);
  await ensureStreams(await jetstreamManager(nc));
}, 300_000);
afterAll(async () => {
  nats?.resume();
  await Promise.all(replicas.map((replica) => replica.stop()));
  await proxy?.stop();
  await nc?.close();
  await Promise.all([nats?.stop(), questdb?.stop()]);
});

const SHOP = "startup.myshopify.com";
const T0 = Date.now() - 60 * 60_000;

/** Order `i`, its total a function of `i` so the expected sum is computed here, not read back. */
function order(i: number): CanonicalEvent {
  const at = new Date(T0 + i * 1000).toISOString();
  const total = 1000 + (i % 97);
  return {
    v: 1,
    platform: "shopify",
    shop: SHOP,
    type: "order",
    eventId: `startup-${i}`,
    receivedAt: at,
    order: {
      orderId: String(10_000 + i),
      orderNumber: null,
      createdAt: at,
      updatedAt: at,
      cancelledAt: null,
      status: "sale",
      financialStatus: "paid",
      currency: "USD",
      totalMinor: total,
      subtotalMinor: total,
      taxMinor: 0,
      discountMinor: 0,
      shippingMinor: 0,
      test: false,
      customerKey: null,
      lines: [
        {
          lineId: "1",
          productId: null,
          variantId: null,
          sku: "MUG",
          quantity: 1,
          unitPriceMinor: total,
          totalMinor: total,
        },
      ],
    },
  };
}

async function publish(from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    const event = order(i);
    await js.publish(eventSubject(event), JSON.stringify(event), { msgID: event.eventId });
  }
}

function replica(name: string, natsUrl: string): NodeService {
  const service = nodeService(
    name,
    "processors/main.ts",
    {
      ...process.env,
      ...TEST_SECRETS,
      LOG_LEVEL: "info",
      BATCH_MAX_WAIT_MS: "50",
      NATS_URL: natsUrl,
      QUESTDB_HTTP_URL: questdb.httpUrl,
    },
    { output: join(dir, `${name}.log`) },
  );
  replicas.push(service);
  return service;
}

function logLines(name: string): Record<string, unknown>[] {
  return readFileSync(join(dir, `${name}.log`), "utf8")
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function storedOrders(): Promise<{ orders: number; total: number }> {
  const { dataset } = await db.exec(
    `SELECT count_distinct(order_id), sum(total_minor) FROM orders WHERE shop = '${SHOP}'`,
  );
  const [orders, total] = (dataset[0] ?? [0, 0]) as [number, number | null];
  return { orders, total: total ?? 0 };
}

function expectedTotal(count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += 1000 + (i % 97);
  return sum;
}

describe("a processors replica restarted into a backlog while NATS does not answer", () => {
  it("waits out the timed-out start-up request, says what it waited for, and writes every order once", async () => {
    // A first run creates the consumers and writes part of the history, then stops.
    const first = replica("processors-first", nats.url);
    await first.start();
    await publish(0, 300);
    await eventually(
      async () => expect(await storedOrders()).toEqual({ orders: 300, total: expectedTotal(300) }),
      {
        timeoutMs: 120_000,
      },
    );
    await first.stop();

    // The backlog it comes back to.
    const ALL = 1500;
    await publish(300, ALL);

    let waiting = false;
    const exits: ServiceExit[] = [];
    proxy = await startWatchProxy(nats.port, {
      pattern: "$JS.API.CONSUMER.INFO.EVENTS.inventory",
      onSeen: () => nats.pause(),
    });
    const second = replica("processors-second", `nats://127.0.0.1:${proxy.port}`);
    second.onExit((exit) => exits.push(exit));
    await second.start();
    // Thawed only once the replica has given up on that request and said it waits (or has exited).
    await eventually(
      async () => {
        waiting = logLines("processors-second").some(
          (line) => line.msg === "start-up waiting for a dependency",
        );
        expect(waiting || exits.length > 0).toBe(true);
      },
      { timeoutMs: 60_000 },
    );
    nats.resume();

    expect(exits).toEqual([]);
    const waited = logLines("processors-second").find(
      (line) => line.msg === "start-up waiting for a dependency",
    );
    expect(waited).toMatchObject({ waitingFor: "consumer inventory on EVENTS", attempt: 1 });
    expect(String(waited!.err)).toMatch(/^Error: cannot check consumer inventory: TimeoutError/);
    await eventually(
      async () =>
        expect(logLines("processors-second")).toContainEqual(
          expect.objectContaining({ msg: "start-up went on", waitedFor: "consumer inventory on EVENTS" }),
        ),
      { timeoutMs: 60_000 },
    );
    await eventually(
      async () => expect(await storedOrders()).toEqual({ orders: ALL, total: expectedTotal(ALL) }),
      {
        timeoutMs: 120_000,
      },
    );
    expect(second.running).toBe(true);
    expect(logLines("processors-second").filter((line) => line.msg === "unhandled error, exiting")).toEqual(
      [],
    );
  }, 300_000);
});
