import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BENCH_HASH_KEY, BENCH_SECRET, OrderWebhooks, type BenchWebhook } from "../bench/corpus.ts";
import { createLogger } from "../core/log.ts";
import { ensureStreams, EVENTS_STREAM, ingestReadiness } from "../core/nats.ts";
import { loadAdapters } from "../platforms/load.ts";
import { startNatsServer, type NatsServer } from "../services/nats-server.ts";
import { createApp } from "./app.ts";
import { jetStreamPublisher } from "./publish.ts";
import { RETRY_AFTER_SECONDS } from "./routes/webhooks.ts";

/**
 * Ingest in front of a small, real EVENTS stream (EVENTS_MAX_BYTES at its 64 KiB minimum): signed
 * Shopify orders until JetStream refuses one because the stream is full. The refusal must be a 503
 * with Retry-After (the platform retries), /readyz must say the stream is full, and once room is
 * made the same delivery must be taken.
 */

const MAX_BYTES = 64 * 1024;
let server: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  server = await startNatsServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-stream-full-")) });
  nc = await connect({ servers: server.url });
  jsm = await jetstreamManager(nc);
  await ensureStreams(jsm, { env: { EVENTS_MAX_BYTES: String(MAX_BYTES) } });
  const adapters = loadAdapters({ SHOPIFY_API_SECRET: BENCH_SECRET }, { customerHashKey: BENCH_HASH_KEY });
  app = createApp({
    adapters,
    publish: jetStreamPublisher(jetstream(nc), 2000),
    ready: () => ingestReadiness(nc),
    maxBytes: 2 * 1024 * 1024,
    log: createLogger("test", "silent"),
  });
}, 300_000);
afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

const post = (webhook: BenchWebhook) =>
  app.request("/webhooks/shopify", { method: "POST", headers: webhook.headers, body: webhook.body });

describe("a full EVENTS stream", () => {
  it("refuses new orders with 503 and Retry-After, says so on /readyz, and takes them once there is room", async () => {
    expect((await app.request("/readyz")).status).toBe(200);
    const webhooks = new OrderWebhooks("full-stream.myshopify.com", 0);
    const accepted: BenchWebhook[] = [];
    let refused: Response | undefined;
    let refusedWebhook: BenchWebhook | undefined;
    // Far more orders than 64 KiB holds (each canonical order is more than 64 bytes): one must be refused.
    for (let i = 0; i < 1000 && !refused; i++) {
      const webhook = webhooks.next();
      const res = await post(webhook);
      if (res.status === 200) accepted.push(webhook);
      else [refused, refusedWebhook] = [res, webhook];
    }
    expect(refused?.status).toBe(503);
    expect(refused!.headers.get("retry-after")).toBe(String(RETRY_AFTER_SECONDS));
    expect(await refused!.json()).toMatchObject({ error: { code: "stream_full" } });
    expect(accepted.length).toBeGreaterThan(0);

    // Nothing accepted was dropped to make room, and the refused order was not stored.
    const full = await jsm.streams.info(EVENTS_STREAM);
    expect(full.state).toMatchObject({ first_seq: 1, messages: accepted.length });

    const readyz = await app.request("/readyz");
    expect(readyz.status).toBe(503);
    expect(JSON.stringify(await readyz.json())).toContain("stream EVENTS full");

    // A platform re-sending an order we already stored is answered 200: the broker knows its id.
    const again = await post(accepted[0]!);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicates: 1 });

    // Room made (what processors/stream-trim does with acknowledged messages): the retry is taken.
    await jsm.streams.purge(EVENTS_STREAM, { seq: Math.ceil(accepted.length / 2) + 1 });
    expect((await app.request("/readyz")).status).toBe(200);
    expect((await post(refusedWebhook!)).status).toBe(200);
    const after = await jsm.streams.info(EVENTS_STREAM);
    expect(after.state.last_seq).toBe(accepted.length + 1);
  });
});
