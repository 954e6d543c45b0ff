import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, errors, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNatsServer, type NatsServer } from "../services/nats-server.ts";
import { Kvm } from "@nats-io/kv";
import { BEHAVIOUR_SITES_BUCKET, SiteBucket } from "../ingest/behaviour/site-bucket.ts";
import { BehaviourSites } from "../ingest/behaviour/sites.ts";
import { eventually } from "../test/support/eventually.ts";
import { createLogger } from "./log.ts";
import {
  BEHAVIOUR_STREAM,
  DEAD_LETTER_STREAM,
  ensureStreams,
  EVENTS_STREAM,
  natsAuth,
  streamsReady,
} from "./nats.ts";

/**
 * nats/nats-server.conf, the file compose runs NATS with, on a real nats-server: each service's
 * user can do its job and nothing that would let a stolen password read orders or erase them.
 */

const conf = fileURLToPath(new URL("../nats/nats-server.conf", import.meta.url));
const passwords = {
  NATS_INGEST_PASSWORD: "ingest-password-0123456789",
  NATS_BEHAVIOUR_PASSWORD: "behaviour-password-0123456789",
  NATS_PROCESSORS_PASSWORD: "processors-password-0123456789",
  NATS_ALERTING_PASSWORD: "alerting-password-0123456789",
  NATS_CONNECT_PASSWORD: "connect-password-0123456789",
};
let server: NatsServer;
const open: NatsConnection[] = [];

async function login(user: keyof typeof users): Promise<NatsConnection> {
  const nc = await connect({
    servers: server.url,
    ...natsAuth({ NATS_USER: user, NATS_PASSWORD: users[user] }),
  });
  open.push(nc);
  return nc;
}
const users = {
  ingest: passwords.NATS_INGEST_PASSWORD,
  behaviour: passwords.NATS_BEHAVIOUR_PASSWORD,
  processors: passwords.NATS_PROCESSORS_PASSWORD,
  alerting: passwords.NATS_ALERTING_PASSWORD,
  connect: passwords.NATS_CONNECT_PASSWORD,
};

/** Subscribes and resolves with the error the server answers with (a permission violation closes the subscription). */
async function subscribeRefusal(nc: NatsConnection, subject: string): Promise<unknown> {
  const sub = nc.subscribe(subject);
  try {
    for await (const _ of sub) return "received a message";
    return await sub.closed;
  } catch (err) {
    return err;
  }
}

beforeAll(async () => {
  server = await startNatsServer({
    dir: mkdtempSync(join(tmpdir(), "metricsdash-nats-auth-")),
    config: conf,
    env: passwords,
  });
}, 300_000);
afterAll(async () => {
  await Promise.all(open.map((nc) => nc.close()));
  await server?.stop();
});

describe("nats/nats-server.conf", () => {
  it("refuses a connection without a login, or with a wrong password", async () => {
    await expect(connect({ servers: server.url })).rejects.toBeInstanceOf(errors.AuthorizationError);
    await expect(
      connect({ servers: server.url, user: "ingest", pass: "not-the-password-123" }),
    ).rejects.toBeInstanceOf(errors.AuthorizationError);
  });

  it("lets ingest start as it does (streams ensured, ready) and publish events with a JetStream ack", async () => {
    const nc = await login("ingest");
    await ensureStreams(await jetstreamManager(nc));
    expect(await streamsReady(nc)).toBe(true);
    const ack = await jetstream(nc).publish("evt.shopify.auth_2eexample.order", "{}", { msgID: "auth-1" });
    expect(ack.stream).toBe(EVENTS_STREAM);
    expect(ack.seq).toBeGreaterThan(0);
  });

  it("does not let ingest subscribe to the events", async () => {
    const nc = await login("ingest");
    const refusal = await subscribeRefusal(nc, "evt.>");
    expect(refusal).toBeInstanceOf(errors.PermissionViolationError);
  });

  it("does not let ingest read the stream through a consumer, publish elsewhere, or delete the stream", async () => {
    const nc = await login("ingest");
    const jsm = await jetstreamManager(nc);
    await expect(
      jsm.consumers.add(EVENTS_STREAM, { durable_name: "thief", ack_policy: AckPolicy.Explicit }),
    ).rejects.toThrow();
    await expect(jsm.streams.delete(EVENTS_STREAM)).rejects.toThrow();
    await expect(jsm.streams.purge(EVENTS_STREAM)).rejects.toThrow();
    await expect(jetstream(nc).publish("dlq.evt.x", "{}", { timeout: 1000 })).rejects.toThrow();
    // The stream and its message are still there, as the processors see it.
    const processors = await jetstreamManager(await login("processors"));
    expect((await processors.streams.info(EVENTS_STREAM)).state.messages).toBe(1);
  });

  it("lets the processors consume, ack and trim EVENTS, but not delete it or purge the dead letters", async () => {
    const nc = await login("processors");
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add(EVENTS_STREAM, { durable_name: "auth-test", ack_policy: AckPolicy.Explicit });
    const consumer = await jetstream(nc).consumers.get(EVENTS_STREAM, "auth-test");
    const msg = await consumer.next({ expires: 2000 });
    expect(msg?.subject).toBe("evt.shopify.auth_2eexample.order");
    expect(await msg!.ackAck()).toBe(true);
    await expect(jsm.streams.delete(EVENTS_STREAM)).rejects.toThrow();
    // processors/stream-trim's purge is allowed (here of a subject with no messages: the message stays).
    expect(await jsm.streams.purge(EVENTS_STREAM, { filter: "evt.none.none.none" })).toMatchObject({
      purged: 0,
    });
    await expect(jsm.streams.purge(DEAD_LETTER_STREAM)).rejects.toThrow();
    await expect(jsm.streams.purge(BEHAVIOUR_STREAM)).rejects.toThrow();
    expect((await jsm.streams.info(EVENTS_STREAM)).state.messages).toBe(1);
  });

  it("lets the behaviour process start as it does and publish beacon batches, but not events", async () => {
    const nc = await login("behaviour");
    await ensureStreams(await jetstreamManager(nc));
    const ack = await jetstream(nc).publish("beh.shopify.auth_2eexample", "{}", { msgID: "auth-beh-1" });
    expect(ack.stream).toBe(BEHAVIOUR_STREAM);
    // A stolen behaviour password cannot forge an order, nor read the beacons back.
    await expect(jetstream(nc).publish("evt.shopify.x.order", "{}", { timeout: 1000 })).rejects.toThrow();
    expect(await subscribeRefusal(nc, "beh.>")).toBeInstanceOf(errors.PermissionViolationError);
  });

  it("does not let ingest publish beacon batches: they are the behaviour process's", async () => {
    const nc = await login("ingest");
    await expect(jetstream(nc).publish("beh.shopify.x", "{}", { timeout: 1000 })).rejects.toThrow();
  });

  it("lets the behaviour process follow the connected stores' sites that connect writes, but not write one", async () => {
    const writer = new SiteBucket(
      await new Kvm(jetstream(await login("connect"))).create(BEHAVIOUR_SITES_BUCKET, { history: 1 }),
    );
    await writer.put("before", { shop: "a.example", platform: "shopify", origins: ["https://a.example"] });
    const behaviour = await login("behaviour");
    const bucket = await SiteBucket.open(jetstream(behaviour));
    const sites = new BehaviourSites({}, 10);
    const stop = new AbortController();
    await sites.follow(bucket, createLogger("auth-test", "silent"), stop.signal);
    expect(sites.get("before")?.site.shop).toBe("a.example");
    await writer.put("after", { shop: "b.example", platform: "shopify", origins: ["https://b.example"] });
    await eventually(async () => expect(sites.get("after")?.site.shop).toBe("b.example"));
    await expect(
      bucket.put("forged", { shop: "c.example", platform: "shopify", origins: ["https://evil.example"] }),
    ).rejects.toThrow();
    stop.abort();
  });

  it("does not let alerting read or write events", async () => {
    const nc = await login("alerting");
    expect(await subscribeRefusal(nc, "evt.>")).toBeInstanceOf(errors.PermissionViolationError);
    await expect(jetstream(nc).publish("evt.shopify.x.order", "{}", { timeout: 1000 })).rejects.toThrow();
  });
});
