import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpErrorBody } from "../core/http-error.ts";
import { createLogger } from "../core/log.ts";
import { QuestDb } from "../core/questdb.ts";
import { Connections, CONNECTIONS_BUCKET, type Connection } from "../platforms/connections.ts";
import { startNatsServer, type NatsServer } from "../services/nats-server.ts";
import { createConnectApp } from "./app.ts";
import { CONNECT_MAX_BODY_BYTES } from "./edge.ts";
import { connectFlows } from "./flows.ts";
import { HISTORY_BUCKET, HistoryBackfills, HistoryStore, newHistoryCheckpoint } from "./history.ts";
import type { StoresContext } from "./stores.ts";

/**
 * Walks every route connect mounts (every flow switched on, with and without its edge), provokes the
 * refusals a request can reach without a platform behind it (no cookie, unknown store, bad
 * signature, oversized body, wrong host, another site's origin) and checks each answer: a browser
 * page (HTML), or JSON in the one error shape of core/http-error.ts.
 */

const PUBLIC_URL = "http://connect.test:8081";
const HOST = new URL(PUBLIC_URL).host;
/** Stores with a connection and a history, so their progress refuses a browser without the cookie. */
const SEEDED: Record<string, string> = { woocommerce: "woo.example", bigcommerce: "abc123" };

const log = createLogger("error-shape-test", "silent");
let nats: NatsServer;
let nc: NatsConnection;
let withEdge: Hono;
let bare: Hono;

beforeAll(async () => {
  nats = await startNatsServer({ dir: mkdtempSync(join(tmpdir(), "error-shape-")) });
  nc = await connect({ servers: nats.url });
  const kvm = new Kvm(jetstream(nc));
  const sealKey = randomBytes(32);
  const connections = new Connections(await kvm.create(CONNECTIONS_BUCKET, { history: 5 }), sealKey);
  const historyStore = new HistoryStore(await kvm.create(HISTORY_BUCKET, { history: 1 }));
  const refuse = (what: string) => async (): Promise<never> => {
    throw new Error(`an error path reached ${what}`);
  };
  const ctx: StoresContext = {
    connections,
    historyStore,
    history: new HistoryBackfills({
      store: historyStore,
      api: refuse("a platform's API"),
      publish: refuse("publish"),
      finished: refuse("a finished history"),
      log,
    }),
    publish: refuse("publish"),
    // Nothing listens here: only a progress that is answered asks QuestDB, and it says "unknown" then.
    db: new QuestDb("http://127.0.0.1:9"),
    log,
    ingestUrl: "http://ingest.test:8080",
    behaviourUrl: "http://behaviour.test:8082",
    storeWebhookKey: "w".repeat(32),
    customerHashKey: "c".repeat(32),
    statusKey: sealKey,
    backfillDays: 60,
    dashboardUrl: "http://grafana.test:3000",
  };
  const now = new Date().toISOString();
  for (const [platform, shop] of Object.entries(SEEDED)) {
    const connection: Connection = {
      ...{ platform, shop, status: "backfilling", name: null, currency: null, timezone: null },
      ...{ connectedAt: now, updatedAt: now, credentials: "", webhooks: [], error: null },
    };
    await connections.put(connection);
    await historyStore.save(newHistoryCheckpoint(platform, shop, 60));
  }
  const env = {
    SHOPIFY_API_KEY: "error-shape-client",
    SHOPIFY_API_SECRET: "s".repeat(32),
    STORE_WEBHOOK_KEY: ctx.storeWebhookKey,
    BIGCOMMERCE_CLIENT_ID: "error-shape-bc",
    BIGCOMMERCE_CLIENT_SECRET: "b".repeat(32),
  };
  const flows = await connectFlows(env, {
    connectUrl: PUBLIC_URL,
    appName: "MetricsDash",
    log,
    bucket: (name, options) => kvm.create(name, options),
    sealKey,
  });
  expect(flows.map((flow) => flow.platform).sort()).toEqual(["bigcommerce", "shopify", "woocommerce"]);
  const options = { stores: { ctx, flows }, log, ready: async () => true };
  withEdge = createConnectApp({
    ...options,
    edge: { publicUrl: PUBLIC_URL, listenHost: "127.0.0.1", port: 8081, trustProxy: false },
  });
  bare = createConnectApp(options);
}, 300_000);
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

type Probe = { method: string; path: string; headers?: Record<string, string>; body?: string };

/** A route's path with its parameters filled: each flow's platform, a seeded store and an unknown one. */
function concretePaths(path: string): string[] {
  let paths = [path];
  const fill = (name: string, values: string[]) =>
    (paths = paths.flatMap((p) =>
      p.includes(`:${name}`) ? values.map((v) => p.replace(`:${name}`, v)) : [p],
    ));
  const seededPlatforms = Object.keys(SEEDED);
  if (path.includes(":platform")) {
    paths = [...seededPlatforms, "shopify"].flatMap((platform) =>
      [SEEDED[platform] ?? "unknown.myshopify.com", "nobody-here"].map((shop) =>
        path.replace(":platform", platform).replace(":shop", shop),
      ),
    );
  }
  fill("shop", [SEEDED.woocommerce!, "nobody-here"]);
  fill("hash", [SEEDED.bigcommerce!, "nobody"]);
  return paths.filter((p) => !p.includes(":") && !p.includes("*"));
}

/** What to send each route: as is, oversized, from a host we don't answer to, from another site. */
function probesOf(app: Hono, bodyLimit: number): Probe[] {
  const routes = app.routes.filter((route) => route.method === "GET" || route.method === "POST");
  const unique = [...new Map(routes.map((r) => [`${r.method} ${r.path}`, r])).values()];
  return unique.flatMap(({ method, path }) =>
    concretePaths(path).flatMap((concrete): Probe[] => [
      { method, path: concrete },
      { method, path: concrete, headers: { host: "rebound.example" } },
      ...(method === "POST"
        ? [
            { method, path: concrete, body: "x".repeat(bodyLimit + 1) },
            { method, path: concrete, headers: { origin: "https://elsewhere.example" }, body: "{}" },
          ]
        : []),
    ]),
  );
}

type Answer = { probe: string; status: number; type: string; body: string };

async function send(app: Hono, probe: Probe): Promise<Answer> {
  const response = await app.request(`${PUBLIC_URL}${probe.path}`, {
    method: probe.method,
    headers: { host: HOST, "content-type": "application/json", ...probe.headers },
    ...(probe.body !== undefined ? { body: probe.body } : {}),
  });
  const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
  const described = `${probe.method} ${probe.path} ${JSON.stringify(probe.headers ?? {})}`;
  return { probe: described, status: response.status, type, body: await response.text() };
}

/** Every refusal, each with what is wrong with it (nothing, for a page or the one JSON shape). */
function judge(answer: Answer): string | null {
  if (answer.type === "text/html") return null;
  if (answer.type !== "application/json") return `answered ${answer.type || "no content type"}`;
  const parsed = HttpErrorBody.safeParse(JSON.parse(answer.body));
  return parsed.success ? null : `not the error shape: ${answer.body.slice(0, 200)}`;
}

async function walk(app: Hono, bodyLimit: number) {
  const answers: Answer[] = [];
  for (const probe of [
    ...probesOf(app, bodyLimit),
    { method: "GET", path: "/no/such/route" },
    { method: "GET", path: `/stores/woocommerce/${"a".repeat(5000)}` },
  ])
    answers.push(await send(app, probe));
  const refusals = answers.filter((a) => a.status >= 400);
  const wrong = refusals
    .map((a) => ({ probe: a.probe, status: a.status, problem: judge(a) }))
    .filter((a) => a.problem !== null);
  const codes = new Set(
    refusals
      .filter((a) => a.type === "application/json" && judge(a) === null)
      .map((a) => `${a.status} ${(JSON.parse(a.body) as HttpErrorBody).error.code}`),
  );
  return { wrong, codes };
}

describe("connect's JSON error responses", () => {
  it("are all {error:{code,message}} behind the edge, the edge's own refusals too", async () => {
    const { wrong, codes } = await walk(withEdge, CONNECT_MAX_BODY_BYTES);
    expect(wrong).toEqual([]);
    // The walk reached these refusals (it would pass vacuously otherwise).
    for (const code of [
      "404 not_found",
      "404 not_connected",
      "403 not_yours",
      "403 view_expired",
      "401 invalid_signature",
      "413 payload_too_large",
      "421 misdirected",
      "403 cross_origin",
    ])
      expect(codes, code).toContain(code);
  }, 60_000);

  it("are all {error:{code,message}} from the routes themselves (no edge), their own body limits too", async () => {
    // Shopify's app webhooks take up to 1 MiB: just over it reaches the route's own limit.
    const { wrong, codes } = await walk(bare, 1024 * 1024);
    expect(wrong).toEqual([]);
    for (const code of [
      "404 not_connected",
      "403 not_yours",
      "401 invalid_signature",
      "413 payload_too_large",
    ])
      expect(codes, code).toContain(code);
  }, 60_000);
});
