import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENTS_STREAM } from "../core/nats.ts";
import { startNatsServer, type NatsServer } from "../services/nats-server.ts";
import { freePort, waitFor } from "../services/ports.ts";
import { spawnServer, stopProcess } from "../services/process.ts";
import { orderPayload, shopifyJson } from "../test/support/shopify-webhooks.ts";
import { eventually } from "../test/support/eventually.ts";
import { shopifySignature } from "../platforms/shopify/webhook-headers.ts";

/** `INGEST_WORKERS=2`: two ingest processes behind one port, a crashed one replaced, SIGTERM ends all. */
const SECRET = "workers-test-shopify-secret-0123";
const dir = mkdtempSync(join(tmpdir(), "metricsdash-workers-"));
let nats: NatsServer;
let nc: NatsConnection;
let ingest: ChildProcess;
let port: number;

function workersOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) found.push(Number(entry));
    } catch {
      continue; // ended while we looked
    }
  }
  return found;
}

let nextId = 1000n;
async function postOrder(): Promise<number> {
  const id = nextId++;
  const body = shopifyJson(
    orderPayload({
      id,
      createdAt: "2026-11-20T10:00:00Z",
      lines: [{ id: id * 10n, priceCents: 1999, quantity: 1 }],
    }),
  );
  const response = await fetch(`http://127.0.0.1:${port}/webhooks/shopify`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-shopify-topic": "orders/create",
      "x-shopify-shop-domain": "workers.myshopify.com",
      "x-shopify-event-id": `evt-${id}`,
      "x-shopify-hmac-sha256": shopifySignature(SECRET, body),
    },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

const storedEvents = async () =>
  (await (await jetstreamManager(nc)).streams.info(EVENTS_STREAM)).state.messages;

beforeAll(async () => {
  nats = await startNatsServer({ dir });
  nc = await connect({ servers: nats.url });
  port = await freePort();
  ingest = spawnServer(
    process.execPath,
    [fileURLToPath(new URL("./main.ts", import.meta.url))],
    {
      ...process.env,
      NATS_URL: nats.url,
      INGEST_PORT: String(port),
      INGEST_WORKERS: "2",
      SHOPIFY_API_SECRET: SECRET,
      CUSTOMER_HASH_KEY: "workers-test-customer-hash-key-01",
      LOG_LEVEL: "warn",
    },
    join(dir, "ingest.log"),
  );
  await waitFor(
    "ingest /readyz",
    async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok ?? false,
    60_000,
  );
  await eventually(async () => expect(workersOf(ingest.pid!)).toHaveLength(2));
}, 300_000);

afterAll(async () => {
  if (ingest) await stopProcess(ingest);
  await nc?.close();
  await nats?.stop();
});

describe("INGEST_WORKERS", () => {
  it("answers on one port from two processes, each publishing what it accepted", async () => {
    const statuses = await Promise.all(Array.from({ length: 40 }, () => postOrder()));
    expect(statuses).toEqual(Array(40).fill(200));
    expect(await storedEvents()).toBe(40);
  });

  it("replaces a worker that crashed, and keeps answering", async () => {
    const [victim, survivor] = workersOf(ingest.pid!);
    process.kill(victim!, "SIGKILL");
    await eventually(async () => {
      const now = workersOf(ingest.pid!);
      expect(now).toHaveLength(2);
      expect(now).toContain(survivor);
      expect(now).not.toContain(victim);
    });
    await waitFor(
      "ingest /readyz",
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok ?? false,
      30_000,
    );
    const statuses = await Promise.all(Array.from({ length: 10 }, () => postOrder()));
    expect(statuses).toEqual(Array(10).fill(200));
    expect(await storedEvents()).toBe(50);
  });

  it("stops every worker on SIGTERM", async () => {
    const workers = workersOf(ingest.pid!);
    const exited = new Promise<number | null>((resolve) => ingest.once("exit", (code) => resolve(code)));
    ingest.kill("SIGTERM");
    expect(await exited).toBe(0);
    await eventually(async () => {
      for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
    });
  });
});
