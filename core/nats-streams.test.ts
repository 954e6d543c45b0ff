import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiscardPolicy, jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startNatsServer, type NatsServer } from "../services/nats-server.ts";
import { ConfigError } from "./config.ts";
import { isStoreRefusal, StreamLimitError } from "./jetstream-errors.ts";
import { BEHAVIOUR_STREAM, DEAD_LETTER_STREAM, ensureStreams, EVENTS_STREAM } from "./nats.ts";

/**
 * The streams' limits on a real nats-server whose JetStream store is small (max_file_store 8 MiB),
 * as a self-hoster's disk might be: limits from the environment, refused loudly when the server
 * cannot hold them, applied to streams an earlier version created.
 */

const MIB = 1024 * 1024;
const SERVER_STORE = 8 * MIB;
let server: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "metricsdash-nats-streams-"));
  const config = join(dir, "nats.conf");
  writeFileSync(config, `jetstream { max_file_store: ${SERVER_STORE}, max_memory_store: ${MIB} }\n`);
  server = await startNatsServer({ dir, config });
  nc = await connect({ servers: server.url });
  jsm = await jetstreamManager(nc);
}, 300_000);
afterAll(async () => {
  await nc?.close();
  await server?.stop();
});
afterEach(async () => {
  for (const name of [EVENTS_STREAM, DEAD_LETTER_STREAM, BEHAVIOUR_STREAM])
    await jsm.streams.delete(name).catch(() => false);
});

const fits = { EVENTS_MAX_BYTES: String(2 * MIB), BEHAVIOUR_MAX_BYTES: String(MIB) };

describe("stream limits", () => {
  it("creates EVENTS and BEHAVIOUR with the configured sizes; EVENTS refuses new messages when full", async () => {
    await ensureStreams(jsm, { env: fits });
    const events = await jsm.streams.info(EVENTS_STREAM);
    expect(events.config).toMatchObject({ max_bytes: 2 * MIB, discard: DiscardPolicy.New });
    const behaviour = await jsm.streams.info(BEHAVIOUR_STREAM);
    expect(behaviour.config).toMatchObject({ max_bytes: MIB, discard: DiscardPolicy.Old });

    const js = jetstream(nc);
    const body = new Uint8Array(64 * 1024);
    let stored = 0;
    const refusal = await (async () => {
      for (;;) {
        try {
          await js.publish("evt.test.shop.order", body, { msgID: `fill-${stored}` });
          stored++;
        } catch (err) {
          return err;
        }
      }
    })();
    expect(isStoreRefusal(refusal)).toBe(true);
    // Discard new: the first messages are still there, nothing was dropped to make room.
    const full = await jsm.streams.info(EVENTS_STREAM);
    expect(full.state).toMatchObject({ first_seq: 1, messages: stored });
    expect(full.state.bytes).toBeLessThanOrEqual(2 * MIB);
    expect(stored).toBeGreaterThan(0);
  });

  it("stops with an error naming the variable when the server cannot reserve a stream's size", async () => {
    const tooBig = { ...fits, EVENTS_MAX_BYTES: String(2 * SERVER_STORE) };
    const err = await ensureStreams(jsm, { env: tooBig }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamLimitError);
    expect(err).toMatchObject({
      stream: EVENTS_STREAM,
      variable: "EVENTS_MAX_BYTES",
      bytes: 2 * SERVER_STORE,
    });
    expect((err as Error).message).toContain("EVENTS_MAX_BYTES");

    // Each fits alone, not together: the second stream's variable is the one named.
    const sum = { EVENTS_MAX_BYTES: String(6 * MIB), BEHAVIOUR_MAX_BYTES: String(6 * MIB) };
    const second = await ensureStreams(jsm, { env: sum }).catch((e: unknown) => e);
    expect(second).toMatchObject({ variable: "BEHAVIOUR_MAX_BYTES" });
  });

  it("refuses a value that is not a size, naming the variable", async () => {
    const err = await ensureStreams(jsm, { env: { EVENTS_MAX_BYTES: "2GB" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.join()).toContain("EVENTS_MAX_BYTES");
  });

  it("brings a stream an earlier version created (unbounded, discard old) up to date", async () => {
    await jsm.streams.add({ name: EVENTS_STREAM, subjects: ["evt.>"], discard: DiscardPolicy.Old });
    await ensureStreams(jsm, { env: fits });
    expect((await jsm.streams.info(EVENTS_STREAM)).config).toMatchObject({
      max_bytes: 2 * MIB,
      discard: DiscardPolicy.New,
    });
  });

  it("keeps every message of a stream that holds more than its new limit", async () => {
    await ensureStreams(jsm, { env: fits });
    const js = jetstream(nc);
    const body = new Uint8Array(32 * 1024);
    for (let i = 0; i < 40; i++) await js.publish("evt.test.shop.order", body, { msgID: `keep-${i}` });
    const before = await jsm.streams.info(EVENTS_STREAM);
    expect(before.state.bytes).toBeGreaterThan(MIB);

    await ensureStreams(jsm, { env: { ...fits, EVENTS_MAX_BYTES: String(MIB) } });
    const after = await jsm.streams.info(EVENTS_STREAM);
    expect(after.state).toMatchObject({ messages: 40, first_seq: 1 });
    expect(after.config.max_bytes).toBe(before.state.bytes);
  });
});
