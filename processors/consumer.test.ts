import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import { connect, errors as natsErrors, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../core/events.ts";
import { createLogger } from "../core/log.ts";
import { DEAD_LETTER_STREAM, ensureStreams, EVENTS_STREAM } from "../core/nats.ts";
import { QuestDb, QuestDbError, sqlString } from "../core/questdb.ts";
import { startNatsServer, type NatsServer } from "../services/nats-server.ts";
import { startQuestDbServer, type QuestDbServer } from "../services/questdb-server.ts";
import { eventually } from "../test/support/eventually.ts";
import {
  classify,
  headerValue,
  startConsumer,
  type BatchHandler,
  type ConsumerOptions,
  type RunningConsumer,
} from "./consumer.ts";
import { SharedDecode } from "./shared-decode.ts";

/**
 * The consumer against a real NATS and a real QuestDB: a write QuestDB refuses costs only the
 * message at fault (dead-lettered with QuestDB's reason), the rest of its batch is written.
 */

let nats: NatsServer;
let questdb: QuestDbServer;
let db: QuestDb;
let nc: NatsConnection;
let js: JetStreamClient;
const log = createLogger("consumer-test");

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "metricsdash-consumer-"));
  [nats, questdb] = await Promise.all([startNatsServer({ dir }), startQuestDbServer({ dir })]);
  db = questdb.db;
  nc = await connect({ servers: nats.url });
  js = jetstream(nc);
  await ensureStreams(await jetstreamManager(nc));
  await db.exec(
    `CREATE TABLE IF NOT EXISTS consumer_probe (ts TIMESTAMP, id SYMBOL, n LONG)
     TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, id)`,
  );
}, 300_000);
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
  await questdb?.stop();
});

const T0 = Date.UTC(2026, 10, 20, 12);

function checkout(shop: string, i: number): CanonicalEvent {
  const at = new Date(T0 + i * 1000).toISOString();
  return {
    v: 1,
    platform: "shopify",
    shop,
    type: "checkout",
    eventId: `${shop}-${i}`,
    receivedAt: at,
    checkout: {
      checkoutId: `c${i}`,
      createdAt: at,
      updatedAt: at,
      currency: "USD",
      totalMinor: i,
      completedAt: null,
    },
  };
}

/**
 * Writes each checkout as one row; the checkout called `poisonId` gets its `n` as text, which
 * QuestDB refuses for a LONG column (HTTP 400) — a row the database will never take.
 */
function probeHandler(poisonId: string, batches: CanonicalEvent[][]): BatchHandler {
  return async (events, sender) => {
    batches.push(events);
    for (const event of events) {
      if (event.type !== "checkout") continue;
      const row = sender.table("consumer_probe").symbol("id", `${event.shop}/${event.checkout.checkoutId}`);
      if (event.checkout.checkoutId === poisonId) row.stringColumn("n", "not a number");
      else row.intColumn("n", event.checkout.totalMinor);
      await row.at(BigInt(Date.parse(event.checkout.createdAt)) * 1000n, "us");
    }
    await sender.flush();
  };
}

async function consume(name: string, handle: BatchHandler, extra: Partial<ConsumerOptions> = {}) {
  return startConsumer({
    name,
    js,
    jsm: await jetstreamManager(nc),
    sender: await db.sender(),
    handle,
    log,
    batchMaxMessages: 500,
    batchMaxWaitMs: 100,
    maxDeliveries: 3,
    ackWaitMs: 10_000,
    filterSubject: `evt.shopify.${name}.>`,
    ...extra,
  });
}

async function deadLetters(subjectPrefix: string): Promise<JsMsg[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(DEAD_LETTER_STREAM);
  const found: JsMsg[] = [];
  if (!info.state.messages) return found;
  // Read all and filter here: a filtered ordered consumer needs nats-server 2.10, Debian has 2.9.
  const reader = await js.consumers.get(DEAD_LETTER_STREAM);
  for (let seen = 0; seen < info.state.messages; seen++) {
    const msg = await reader.next({ expires: 2000 });
    if (!msg) break;
    if (msg.subject.startsWith(`dlq.${subjectPrefix}.`)) found.push(msg);
  }
  await reader.delete();
  return found;
}

async function consumerIdle(name: string) {
  const jsm = await jetstreamManager(nc);
  await eventually(async () => {
    const info = await jsm.consumers.info(EVENTS_STREAM, name);
    expect(info.num_pending + info.num_ack_pending).toBe(0);
  });
}

describe("a batch holding one message QuestDB refuses", () => {
  const shop = "bisect";
  const count = 40;
  const poison = "c17";
  let running: RunningConsumer;
  const batches: CanonicalEvent[][] = [];

  beforeAll(async () => {
    // Published before the consumer starts, so they arrive together as one batch.
    for (let i = 0; i < count; i++)
      await js.publish(`evt.shopify.${shop}.checkout`, JSON.stringify(checkout(shop, i)), {
        msgID: `${shop}-${i}`,
      });
    running = await consume(shop, probeHandler(poison, batches));
    await consumerIdle(shop);
  }, 60_000);
  afterAll(async () => running?.stop());

  it("writes every other message of the batch", async () => {
    const expected = Array.from({ length: count }, (_, i) => i).filter((i) => `c${i}` !== poison);
    await eventually(async () => {
      const rows = await db.exec<[string, number]>(
        `SELECT id, n FROM consumer_probe WHERE id LIKE ${sqlString(`${shop}/%`)} ORDER BY n`,
      );
      expect(rows.dataset.map(([, n]) => Number(n))).toEqual(expected);
    });
    // The refusal came while the poison shared a batch with others: the bisection had work to do.
    expect(batches[0]!.length).toBeGreaterThan(1);
  });

  it("dead-letters exactly the refused one, with QuestDB's reason on one header line", async () => {
    const letters = await deadLetters(`evt.shopify.${shop}`);
    expect(letters).toHaveLength(1);
    const letter = letters[0]!;
    expect((letter.json() as CanonicalEvent & { checkout: { checkoutId: string } }).checkout.checkoutId).toBe(
      poison,
    );
    const reason = letter.headers?.get("MetricsDash-Error") ?? "";
    expect(reason).toMatch(/400/);
    expect(reason).toMatch(/n/);
    expect(reason).not.toMatch(/[\r\n]/);
    expect(letter.headers?.get("MetricsDash-Consumer")).toBe(shop);
  });
});

async function publishCheckouts(shop: string, count: number) {
  for (let i = 0; i < count; i++)
    await js.publish(`evt.shopify.${shop}.checkout`, JSON.stringify(checkout(shop, i)), {
      msgID: `${shop}-${i}`,
    });
}

describe("a write that takes longer than ack_wait", () => {
  const shop = "slow";
  let running: RunningConsumer;
  const batches: CanonicalEvent[][] = [];

  beforeAll(async () => {
    await publishCheckouts(shop, 5);
    const write = probeHandler("none", batches);
    // The first write outlasts ack_wait three times over, as a struggling QuestDB's would.
    const slowFirst: BatchHandler = async (events, sender) => {
      if (!batches.length) await new Promise((resolve) => setTimeout(resolve, 4500));
      await write(events, sender);
    };
    running = await consume(shop, slowFirst, { ackWaitMs: 1500 });
    await consumerIdle(shop);
  }, 60_000);
  afterAll(async () => running?.stop());

  it("is not redelivered meanwhile: the consumer says it is still working on the batch", async () => {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.consumers.info(EVENTS_STREAM, shop);
    expect(info.num_redelivered).toBe(0);
    expect(batches.flat().map((e) => e.eventId)).toEqual(Array.from({ length: 5 }, (_, i) => `${shop}-${i}`));
  });
});

describe("three consumers of the same messages sharing one decode", () => {
  const count = 60;
  const names = ["shared_a", "shared_b", "shared_c"];
  const shared = new SharedDecode(3, 1000);
  const seen = new Map<string, CanonicalEvent[]>(names.map((name) => [name, []]));
  let running: RunningConsumer[] = [];

  beforeAll(async () => {
    await publishCheckouts("shared", count);
    running = await Promise.all(
      names.map((name) =>
        consume(
          name,
          async (events) => {
            seen.get(name)!.push(...events);
          },
          { filterSubject: "evt.shopify.shared.>", shared },
        ),
      ),
    );
    for (const name of names) await consumerIdle(name);
  }, 60_000);
  afterAll(async () => Promise.all(running.map((c) => c.stop())));

  it("hands each consumer every event, decoded once for the three", () => {
    const expected = Array.from({ length: count }, (_, i) => checkout("shared", i));
    for (const name of names) expect(seen.get(name)).toEqual(expected);
    expect(shared.stats()).toEqual({ misses: count, hits: 2 * count, held: 0 });
  });

  it("gives them the very same objects (read-only by contract)", () => {
    const [a, b, c] = names.map((name) => seen.get(name)!);
    a!.forEach((event, i) => {
      expect(b![i]).toBe(event);
      expect(c![i]).toBe(event);
    });
  });
});

describe("a shared decode that is full", () => {
  const count = 30;
  const shared = new SharedDecode(2, 10);
  const seen: Record<string, CanonicalEvent[]> = { full_a: [], full_b: [] };
  const running: RunningConsumer[] = [];

  beforeAll(async () => {
    await publishCheckouts("full", count);
    // One consumer reads everything before the other starts: only the last ten are still held.
    for (const name of ["full_a", "full_b"]) {
      running.push(
        await consume(name, async (events) => void seen[name]!.push(...events), {
          filterSubject: "evt.shopify.full.>",
          shared,
        }),
      );
      await consumerIdle(name);
    }
  }, 60_000);
  afterAll(async () => Promise.all(running.map((c) => c.stop())));

  it("drops the oldest, and the consumer behind decodes those itself", () => {
    const expected = Array.from({ length: count }, (_, i) => checkout("full", i));
    expect(seen.full_a).toEqual(expected);
    expect(seen.full_b).toEqual(expected);
    // full_a decoded 30, full_b decoded the 20 no longer held (holding none) and took the last 10.
    expect(shared.stats()).toEqual({ misses: count + count - 10, hits: 10, held: 0 });
  });
});

describe("a message that is not JSON, whose parse error quotes a newline", () => {
  const shop = "garbage";
  let running: RunningConsumer;

  beforeAll(async () => {
    await js.publish(`evt.shopify.${shop}.checkout`, "{\n  oops", { msgID: `${shop}-bad` });
    await js.publish(`evt.shopify.${shop}.checkout`, JSON.stringify(checkout(shop, 1)), {
      msgID: `${shop}-1`,
    });
    running = await consume(shop, probeHandler("none", []));
    await consumerIdle(shop);
  }, 60_000);
  afterAll(async () => running?.stop());

  it("is dead-lettered (the publish does not break on the header) and the good one is written", async () => {
    const letters = await deadLetters(`evt.shopify.${shop}`);
    expect(letters.map((m) => m.string())).toEqual(["{\n  oops"]);
    expect(letters[0]!.headers?.get("MetricsDash-Error")).toMatch(/^not JSON: [^\n]*$/);
    await eventually(async () => {
      const rows = await db.exec(`SELECT n FROM consumer_probe WHERE id = ${sqlString(`${shop}/c1`)}`);
      expect(rows.dataset).toEqual([[1]]);
    });
  });
});

describe("batches capped by bytes", () => {
  const shop = "bytes";
  let running: RunningConsumer;
  const batches: CanonicalEvent[][] = [];
  const count = 60;
  const sizes = Array.from({ length: count }, (_, i) => JSON.stringify(checkout(shop, i)).length);
  const cap = sizes[0]! * 5;

  beforeAll(async () => {
    for (let i = 0; i < count; i++)
      await js.publish(`evt.shopify.${shop}.checkout`, JSON.stringify(checkout(shop, i)), {
        msgID: `${shop}-${i}`,
      });
    running = await consume(shop, probeHandler("none", batches), { batchMaxBytes: cap });
    await consumerIdle(shop);
  }, 60_000);
  afterAll(async () => running?.stop());

  it("cuts a batch once its messages reach the byte cap, whatever the count allows", () => {
    const biggest = Math.max(...sizes);
    const bytes = batches.map((b) => b.reduce((sum, e) => sum + JSON.stringify(e).length, 0));
    expect(batches.flat()).toHaveLength(count);
    for (const b of bytes) expect(b).toBeLessThan(cap + biggest);
    // 60 messages under a 5-message cap cannot fit in fewer than 12 batches.
    expect(batches.length).toBeGreaterThanOrEqual(Math.ceil(count / 5));
  });
});

describe("classify", () => {
  it("goes by type and status, never by the words of a message", () => {
    expect(classify(new QuestDbError("x", 400, "ILP write"))).toBe("refused");
    expect(classify(new QuestDbError("x", 413, "ILP write"))).toBe("refused");
    expect(classify(new QuestDbError("x", 503, "ILP write"))).toBe("wait");
    expect(classify(new QuestDbError("x", undefined, "ILP write"))).toBe("wait");
    expect(classify(new natsErrors.TimeoutError())).toBe("wait");
    expect(classify(new natsErrors.ClosedConnectionError())).toBe("wait");
    // Text that the old regex read as a refusal is just an unknown error now.
    expect(classify(new Error("400 bad request: invalid cast"))).toBe("message");
    expect(classify(new Error("connection refused"))).toBe("message");
  });

  it("makes header values one printable line, bounded", () => {
    expect(headerValue("a\nb\r\nc\u0000d")).toBe("a b c d");
    expect(headerValue("x".repeat(5000))).toHaveLength(1000);
  });
});
