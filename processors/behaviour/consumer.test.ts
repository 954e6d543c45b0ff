import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { interactionBatch, type Beacon } from "../../core/interaction.ts";
import { createLogger } from "../../core/log.ts";
import { ensureStreams } from "../../core/nats.ts";
import { walApplied, type QuestDb } from "../../core/questdb.ts";
import { interactionPublisher } from "../../ingest/behaviour/publish.ts";
import { startNatsServer, type NatsServer } from "../../services/nats-server.ts";
import { startQuestDbServer, type QuestDbServer } from "../../services/questdb-server.ts";
import { eventually } from "../../test/support/eventually.ts";
import { ensureTables } from "../orders/schema.ts";
import { startBehaviourConsumer } from "./consumer.ts";
import { setViewRefresh } from "./index.ts";
import { chunksOf, RowBudget, rowsOf } from "./row-budget.ts";
import { BEHAVIOUR_TABLES, BEHAVIOUR_VIEWS } from "./schema.ts";

/**
 * The behaviour consumer with a row budget, on a real nats-server and QuestDB: a flood of beacons
 * is written no faster than the budget, every row lands exactly once (a beacon the browser sent
 * twice included), and the heatmap views take the refresh mode they are given.
 */

let nats: NatsServer;
let questdb: QuestDbServer;
let db: QuestDb;
let nc: NatsConnection;
let js: JetStreamClient;
const log = createLogger("behaviour-consumer-test", "silent");

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "metricsdash-behaviour-consumer-"));
  [nats, questdb] = await Promise.all([startNatsServer({ dir }), startQuestDbServer({ dir })]);
  db = questdb.db;
  nc = await connect({ servers: nats.url });
  js = jetstream(nc);
  await ensureStreams(await jetstreamManager(nc));
  await ensureTables(db, BEHAVIOUR_TABLES);
}, 300_000);
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
  await questdb?.stop();
});

const CLICKS = 5;
function beacon(now: number): Beacon {
  return {
    site: "budget-site",
    session: randomBytes(12).toString("hex"),
    view: randomBytes(12).toString("hex"),
    seq: 0,
    path: "/products/mug",
    vw: 1000,
    vh: 700,
    start: now - 5000,
    sent: now,
    events: [
      ...Array.from({ length: CLICKS }, (_, i) => ({
        k: "click" as const,
        at: now - 4000 + i,
        x: 10 + i,
        y: 20,
        sel: "button",
        nx: 0.5,
        ny: 0.5,
      })),
      { k: "scroll" as const, at: now - 100, depth: 700, height: 1400 },
    ],
  };
}

/** The consumer as the processors start it, on this test's broker and QuestDB, quick to batch. */
async function consume(name = "behaviour", filterSubject = "beh.>", budget?: RowBudget) {
  return startBehaviourConsumer({
    name,
    filterSubject,
    js,
    jsm: await jetstreamManager(nc),
    sender: await db.sender(),
    log,
    batchMaxMessages: 500,
    batchMaxWaitMs: 100,
    maxDeliveries: 5,
    ackWaitMs: 5000,
    budget,
  });
}

const count = async (table: string) =>
  Number((await db.rows(`SELECT count() n FROM ${table} WHERE site = 'budget-site'`))[0]?.n ?? 0);

describe("the row budget", () => {
  it("lets a second's worth through at once, then one row per 1/rate seconds", () => {
    let t = 0;
    const budget = new RowBudget(100, () => t);
    expect(budget.take(100)).toBe(0);
    expect(budget.take(50)).toBe(500); // in debt by 50 rows: half a second
    t = 500;
    expect(budget.take(10)).toBe(100);
    t = 10_000;
    expect(budget.take(100)).toBe(0); // refilled, but never beyond a second's worth
    expect(budget.take(1)).toBe(10);
  });

  it("splits batches into chunks of at most a second's rows, in order", () => {
    const sizes = [5, 5, 5, 12, 1, 1];
    const chunks = chunksOf(sizes, (n) => n, 10);
    expect(chunks).toEqual([[5, 5], [5], [12], [1, 1]]);
    expect(chunks.flat()).toEqual(sizes);
  });
});

describe("the behaviour consumer under a budget", () => {
  it("writes a flood no faster than the budget and every row exactly once", async () => {
    const publish = interactionPublisher(js, 5000);
    const batches = Array.from({ length: 60 }, () =>
      interactionBatch(beacon(Date.now()), {
        shop: "budget.example",
        platform: "shopify",
        visitor: "0123456789abcdef",
        bot: false,
        receivedMs: Date.now(),
      }),
    );
    for (const batch of batches) await publish(batch);
    // The browser sent two beacons twice: the broker keeps one of each.
    expect((await publish(batches[0]!)).duplicate).toBe(true);
    expect((await publish(batches[1]!)).duplicate).toBe(true);
    const rows = batches.reduce((n, b) => n + rowsOf(b), 0);
    expect(rows).toBe(60 * (1 + CLICKS + 1));

    const perSecond = 120;
    const started = Date.now();
    const consumer = await consume("behaviour", "beh.>", new RowBudget(perSecond));
    try {
      await eventually(
        async () => {
          expect(await walApplied(db, ["page_views", "clicks", "scrolls"], 2000)).toBe(true);
          expect(await count("clicks")).toBe(60 * CLICKS);
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      const elapsed = Date.now() - started;
      // A second's worth goes at once; the rest no faster than the rate.
      expect(elapsed).toBeGreaterThanOrEqual(((rows - perSecond) / perSecond) * 1000);
      expect(await count("page_views")).toBe(60);
      expect(await count("scrolls")).toBe(60);
      const info = await (await jetstreamManager(nc)).consumers.info("BEHAVIOUR", "behaviour");
      await eventually(async () => {
        const now = await (await jetstreamManager(nc)).consumers.info("BEHAVIOUR", "behaviour");
        expect(now.num_ack_pending + now.num_pending).toBe(0);
      });
      expect(info.num_redelivered).toBe(0); // the waits kept every message in hand (working())
    } finally {
      await consumer.stop();
    }
  }, 90_000);

  it("puts the heatmap views on a timer or back to immediate", async () => {
    const mode = async () =>
      (await db.rows(`SELECT view_name, refresh_type FROM materialized_views()`))
        .filter((r) => BEHAVIOUR_VIEWS.includes(String(r.view_name)))
        .map((r) => String(r.refresh_type));
    // QuestDB applies the change through the view's own WAL: visible a moment after the ALTER.
    await setViewRefresh(db, "1m");
    await eventually(async () => expect(await mode()).toEqual(["timer", "timer"]));
    await setViewRefresh(db, "immediate");
    await eventually(async () => expect(await mode()).toEqual(["immediate", "immediate"]));
  });
});

describe("a view whose last two beacons arrive the wrong way round", () => {
  it("keeps the leave and the deepest point the later one carried", async () => {
    const publish = interactionPublisher(js, 5000);
    const now = Date.now();
    const view = randomBytes(12).toString("hex");
    const page = (seq: number, events: Beacon["events"]) =>
      interactionBatch(
        { ...beacon(now), site: "closing-site", view, seq, events },
        {
          shop: "budget.example",
          platform: "shopify",
          visitor: "0123456789abcdef",
          bot: false,
          receivedMs: now,
        },
      );
    // Closing a tab: visibilitychange flushes (seq 1), pagehide leaves (seq 2); the leave got in first.
    const leave = page(2, [{ k: "leave", at: now - 10, dur: 4990, depth: 1300, height: 1400 }]);
    const flush = page(1, [
      { k: "click", at: now - 60, x: 1, y: 1, sel: "a", nx: 0.1, ny: 0.1 },
      { k: "scroll", at: now - 50, depth: 900, height: 1400 },
    ]);
    const consumer = await consume();
    const where = `site = 'closing-site' AND view = '${view}'`;
    const scroll = async () =>
      db.rows(`SELECT max_depth, page_height, duration_ms, left_page FROM scrolls WHERE ${where}`);
    try {
      await publish(leave);
      await eventually(async () => expect(await scroll()).toHaveLength(1));
      // Written on its own first, so the flush comes in a later QuestDB write, not the same one.
      await publish(flush);
      await eventually(async () => {
        expect(await walApplied(db, ["clicks", "scrolls"], 2000)).toBe(true);
        expect(await db.rows(`SELECT x FROM clicks WHERE ${where}`)).toEqual([{ x: 1 }]);
      });
      expect(await scroll()).toEqual([
        { max_depth: 1300, page_height: 1400, duration_ms: 4990, left_page: true },
      ]);
    } finally {
      await consumer.stop();
    }
  });
});

describe("beacons with two partitions", () => {
  it("go to one partition per site, each read by its own durable, and a publisher not told is still read", async () => {
    const meta = { shop: "budget.example", platform: "shopify", visitor: "0123456789abcdef", bot: false };
    const sites = Array.from({ length: 20 }, (_, i) => `part-site-${i}`);
    const now = Date.now();
    const partitioned = interactionPublisher(js, 5000, 2);
    for (const site of sites)
      for (let i = 0; i < 2; i++)
        await partitioned(interactionBatch({ ...beacon(now), site }, { ...meta, receivedMs: now }));
    const untold = interactionPublisher(js, 5000);
    for (let i = 0; i < 3; i++)
      await untold(interactionBatch({ ...beacon(now), site: "untold-site" }, { ...meta, receivedMs: now }));

    const jsm = await jetstreamManager(nc);
    const durables = { behaviour_p0: "beh.*.0", behaviour_p1: "beh.*.1", behaviour_unpartitioned: "beh.*" };
    const consumers = await Promise.all(
      Object.entries(durables).map(([name, filterSubject]) => consume(name, filterSubject)),
    );
    try {
      const clicksOf = async (where: string) =>
        Number((await db.rows(`SELECT count() n FROM clicks WHERE ${where}`))[0]?.n ?? 0);
      await eventually(
        async () => {
          expect(await walApplied(db, ["clicks"], 2000)).toBe(true);
          expect(await clicksOf("site LIKE 'part-site-%'")).toBe(40 * CLICKS);
          expect(await clicksOf("site = 'untold-site'")).toBe(3 * CLICKS);
        },
        { timeoutMs: 30_000 },
      );
      // What the broker holds, subject by subject: each site's two batches on one subject of its own.
      const { subjects = {} } = (await jsm.streams.info("BEHAVIOUR", { subjects_filter: "beh.>" })).state;
      for (const site of sites) {
        const own = Object.entries(subjects).filter(([subject]) => subject.split(".")[1] === site);
        expect(own).toHaveLength(1);
        expect(own[0]![1]).toBe(2);
        expect(own[0]![0]).toMatch(new RegExp(`^beh\\.${site}\\.[01]$`));
      }
      const held = (tokens: number, last?: string) =>
        Object.entries(subjects)
          .filter(
            ([subject]) => subject.split(".").length === tokens && (!last || subject.endsWith(`.${last}`)),
          )
          .reduce((n, [, count]) => n + count, 0);
      const expected = {
        behaviour_p0: held(3, "0"),
        behaviour_p1: held(3, "1"),
        behaviour_unpartitioned: held(2),
      };
      expect(expected.behaviour_p0).toBeGreaterThan(0);
      expect(expected.behaviour_p1).toBeGreaterThan(0);
      await eventually(async () => {
        for (const [name, count] of Object.entries(expected)) {
          const info = await jsm.consumers.info("BEHAVIOUR", name);
          expect({ name, delivered: info.delivered.consumer_seq, pending: info.num_ack_pending }).toEqual({
            name,
            delivered: count,
            pending: 0,
          });
        }
      });
    } finally {
      await Promise.all(consumers.map((c) => c.stop()));
    }
  });
});
