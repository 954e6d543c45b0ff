import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import { ensureStreams, EVENTS_STREAM } from "../../core/nats.ts";
import type { QuestDb } from "../../core/questdb.ts";
import { startNatsServer, type NatsServer } from "../../services/nats-server.ts";
import { startQuestDbServer, type QuestDbServer } from "../../services/questdb-server.ts";
import { eventually } from "../../test/support/eventually.ts";
import { startLagRecorder } from "./index.ts";

let nats: NatsServer;
let questdb: QuestDbServer;
let db: QuestDb;
let nc: NatsConnection;
let jsm: JetStreamManager;
const log = createLogger("test", "silent");

beforeAll(async () => {
  [nats, questdb] = await Promise.all([
    startNatsServer({ dir: mkdtempSync(join(tmpdir(), "lag-nats-")) }),
    startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "lag-questdb-")) }),
  ]);
  db = questdb.db;
  nc = await connect({ servers: nats.url });
  jsm = await jetstreamManager(nc);
  await ensureStreams(jsm);
});
afterAll(async () => {
  await nc?.close();
  await Promise.all([nats?.stop(), questdb?.stop()]);
});

/** The newest sample of one durable, once QuestDB has applied it. */
async function newest(durable: string, after: string) {
  return eventually(async () => {
    const rows = await db.rows<{ pending: number; ack_pending: number }>(
      `SELECT pending, ack_pending FROM consumer_lag WHERE durable = '${durable}' AND ts > '${after}'
       ORDER BY ts DESC LIMIT 1`,
    );
    expect(rows).toHaveLength(1);
    return rows[0]!;
  });
}

describe("consumer lag", () => {
  it("records each durable's num_pending and ack_pending as JetStream reports them", async () => {
    const js = jetstream(nc);
    // 7 messages for a consumer that has taken none: 7 pending, by construction.
    for (let i = 0; i < 7; i++)
      await js.publish("evt.test.lag-shop.order", `{"n":${i}}`, { msgID: `lag-${i}` });
    await jsm.consumers.add(EVENTS_STREAM, {
      durable_name: "lag-probe",
      ack_policy: AckPolicy.Explicit,
      filter_subject: "evt.test.*.order",
    });
    const recorder = await startLagRecorder({ db, jsm, log, env: { CONSUMER_LAG_INTERVAL_MS: "3600000" } });
    try {
      const start = new Date(Date.now() - 1000).toISOString();
      await recorder.sampleNow();
      expect(await newest("lag-probe", start)).toEqual({ pending: 7, ack_pending: 0 });

      // Take 3, ack 2: 4 never delivered, 1 delivered and unacknowledged.
      const consumer = await js.consumers.get(EVENTS_STREAM, "lag-probe");
      const taken = [];
      for await (const m of await consumer.fetch({ max_messages: 3, expires: 5000 })) {
        taken.push(m);
        if (taken.length === 3) break;
      }
      expect(taken).toHaveLength(3);
      await Promise.all(taken.slice(0, 2).map((m) => m.ackAck()));
      const later = new Date().toISOString();
      await recorder.sampleNow();
      expect(await newest("lag-probe", later)).toEqual({ pending: 4, ack_pending: 1 });
    } finally {
      await recorder.stop();
    }
  });

  it("refuses an interval below a second, naming the variable", async () => {
    await expect(startLagRecorder({ db, jsm, log, env: { CONSUMER_LAG_INTERVAL_MS: "10" } })).rejects.toThrow(
      /CONSUMER_LAG_INTERVAL_MS/,
    );
  });
});
