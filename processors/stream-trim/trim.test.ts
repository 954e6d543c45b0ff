import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import { ensureStreams, EVENTS_STREAM } from "../../core/nats.ts";
import { startNatsServer, type NatsServer } from "../../services/nats-server.ts";
import { eventually } from "../../test/support/eventually.ts";
import { startStreamTrim } from "./index.ts";
import { trimAcknowledged } from "./trim.ts";

/**
 * Making room in a bounded EVENTS stream on a real nats-server: only what every consumer has
 * acknowledged goes, only once the stream is over its share, never before the required consumers exist.
 */

const MAX_BYTES = 256 * 1024;
const BODY = new Uint8Array(4096);
const MESSAGES = 48; // ≈ 197 KiB: more than half of the limit, less than all of it
let server: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
const options = { stream: EVENTS_STREAM, required: ["orders", "inventory"], keepShare: 0.5 };

beforeAll(async () => {
  server = await startNatsServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-trim-")) });
  nc = await connect({ servers: server.url });
  jsm = await jetstreamManager(nc);
}, 300_000);
afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

async function freshStream(messages: number) {
  await jsm.streams.delete(EVENTS_STREAM).catch(() => false);
  await ensureStreams(jsm, { env: { EVENTS_MAX_BYTES: String(MAX_BYTES) } });
  const js = jetstream(nc);
  for (let i = 0; i < messages; i++) await js.publish("evt.test.shop.order", BODY, { msgID: `m-${i}` });
}

async function consumer(name: string, filter: string, acknowledge: number) {
  await jsm.consumers.add(EVENTS_STREAM, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    filter_subject: filter,
  });
  if (!acknowledge) return;
  const messages = await jetstream(nc)
    .consumers.get(EVENTS_STREAM, name)
    .then((c) => c.fetch({ max_messages: acknowledge }));
  for await (const m of messages) await m.ackAck();
}

const state = async () => (await jsm.streams.info(EVENTS_STREAM)).state;

describe("trimming acknowledged events", () => {
  it("leaves a stream under its share alone, acknowledged or not", async () => {
    await freshStream(10);
    await consumer("orders", "evt.*.*.order", 10);
    await consumer("inventory", "evt.*.*.inventory_level", 0);
    expect(await trimAcknowledged(jsm, options)).toEqual({ kind: "room" });
    expect(await state()).toMatchObject({ first_seq: 1, messages: 10 });
  });

  it("removes nothing while a required consumer does not exist yet", async () => {
    await freshStream(MESSAGES);
    await consumer("orders", "evt.*.*.order", MESSAGES);
    expect(await trimAcknowledged(jsm, options)).toEqual({ kind: "waiting", missing: ["inventory"] });
    expect(await state()).toMatchObject({ first_seq: 1, messages: MESSAGES });
  });

  it("removes only what the slowest consumer acknowledged; a caught-up filtered one holds nothing back", async () => {
    await freshStream(MESSAGES);
    await consumer("orders", "evt.*.*.order", 10);
    // Its filter matches none of these: nothing pending, so it has handled them all.
    await consumer("inventory", "evt.*.*.inventory_level", 0);
    expect(await trimAcknowledged(jsm, options)).toEqual({ kind: "trimmed", upTo: 10, removed: 10 });
    expect(await state()).toMatchObject({ first_seq: 11, messages: MESSAGES - 10 });

    // Nothing more acknowledged: held, and nothing removed.
    expect(await trimAcknowledged(jsm, options)).toMatchObject({ kind: "held", by: "orders", floor: 10 });
    expect((await state()).first_seq).toBe(11);
  });

  it("trims down to its share once everything is acknowledged, and no further", async () => {
    await freshStream(MESSAGES);
    await consumer("orders", "evt.*.*.order", MESSAGES);
    await consumer("inventory", "evt.*.*.inventory_level", 0);
    const before = await state();
    const perMessage = before.bytes / before.messages;
    const result = await trimAcknowledged(jsm, options);
    expect(result.kind).toBe("trimmed");
    const after = await state();
    expect(after.bytes).toBeLessThanOrEqual(MAX_BYTES / 2);
    expect(after.bytes).toBeGreaterThan(MAX_BYTES / 2 - perMessage);
    expect(after.messages + (result as { removed: number }).removed).toBe(MESSAGES);
  });

  it("keeps making room pass after pass while it runs", async () => {
    await freshStream(MESSAGES);
    await consumer("orders", "evt.*.*.order", 0);
    await consumer("inventory", "evt.*.*.inventory_level", 0);
    const trim = startStreamTrim({ jsm, log: createLogger("test", "silent"), required: options.required });
    try {
      const js = jetstream(nc);
      // Each round: everything acknowledged, then filled over half again; each needs a pass of its own.
      for (let round = 1; round <= 3; round++) {
        const messages = await jetstream(nc)
          .consumers.get(EVENTS_STREAM, "orders")
          .then((c) => c.fetch({ max_messages: 1000, expires: 1000 }));
        for await (const m of messages) await m.ackAck();
        await eventually(async () => expect((await state()).bytes).toBeLessThanOrEqual(MAX_BYTES / 2));
        const { last_seq: last } = await state();
        for (let i = 0; i < MESSAGES / 2; i++)
          await js.publish("evt.test.shop.order", BODY, { msgID: `round-${round}-${i}` });
        expect((await state()).last_seq).toBe(last + MESSAGES / 2);
      }
    } finally {
      await trim.stop();
    }
  });
});
