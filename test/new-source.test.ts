import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redactShop } from "../connect/redact.ts";
import { shopDataTables } from "../connect/shop-data.ts";
import { ConfigError } from "../core/config.ts";
import { eventSubject } from "../core/events.ts";
import { createLogger } from "../core/log.ts";
import { ensureStreams, EVENTS_STREAM } from "../core/nats.ts";
import { QuestDb, walApplied } from "../core/questdb.ts";
import { createApp } from "../ingest/app.ts";
import { jetStreamPublisher } from "../ingest/publish.ts";
import type { PlatformModule } from "../platforms/adapter.ts";
import { platforms } from "../platforms/index.ts";
import { loadAdapters } from "../platforms/load.ts";
import { loadApis } from "../processors/fetchers/index.ts";
import { startNatsServer, type NatsServer } from "../services/nats-server.ts";
import { startQuestDbServer, type QuestDbServer } from "../services/questdb-server.ts";

/**
 * "A source is a folder plus one registry line": a source written into a new folder beside the real
 * ones, registered by adding it to the list the services read, gets everything the shared code gives
 * a source, without any other file knowing its name.
 */

const root = fileURLToPath(new URL("..", import.meta.url));
const SECRET = "t".repeat(24);
const SHOP = "corner.example";

// The whole source, as its author would write it; nothing outside its folder names it.
const SOURCE = `
import { z } from "zod";
import { inventoryLevelEvent } from "../../core/events.ts";
import { hmacSha256Matches } from "../../core/signature.ts";
import type { PlatformModule } from "../adapter.ts";

const env = z.object({ THROWAWAY_SECRET: z.string().min(16, "THROWAWAY_SECRET must be at least 16 characters") });
const apiEnv = z.object({ THROWAWAY_API_TOKEN: z.string().min(1) });

export const throwaway: PlatformModule<typeof env> = {
  platform: "throwaway",
  env,
  configuredBy: ["THROWAWAY_SECRET"],
  create: (config) => ({
    platform: "throwaway",
    verify: (d) => hmacSha256Matches(config?.THROWAWAY_SECRET ?? "", d.rawBody, d.header("x-throwaway-signature"), "hex"),
    handle: (d) => {
      const body = JSON.parse(d.rawBody.toString("utf8")) as { item: string; left: number; at: string };
      const level = { inventoryItemId: body.item, locationId: "1", sku: body.item, available: body.left, updatedAt: body.at };
      return { kind: "publish", events: [inventoryLevelEvent("throwaway", d.header("x-throwaway-shop") ?? "", level, d.receivedAt)] };
    },
  }),
  redact: { fields: ["THROWAWAY_SECRET", "THROWAWAY_API_TOKEN"], headers: ["x-throwaway-signature"] },
  shopData: [{ table: "throwaway_visits", ts: "ts", by: "DAY" }],
  api: {
    env: apiEnv,
    configuredBy: ["THROWAWAY_API_TOKEN"],
    create: () => ({
      platform: "throwaway",
      shop: "${SHOP}",
      resolve: async () => [],
      async *ordersModifiedSince() {},
      reactivateHooks: async () => 0,
      shopInfo: async () => ({ platform: "throwaway", shop: "${SHOP}", currency: "EUR", timezone: "Europe/Paris", minorPerUnit: 100, source: "api" }),
    }),
  },
};
`;

let folder: string;
let modules: PlatformModule[];
let nats: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
let questdb: QuestDbServer;

beforeAll(async () => {
  folder = mkdtempSync(join(root, "platforms", "throwaway-"));
  writeFileSync(join(folder, "index.ts"), SOURCE);
  const { throwaway } = (await import(join(folder, "index.ts"))) as { throwaway: PlatformModule };
  // The one registry line.
  modules = [...platforms, throwaway];
  nats = await startNatsServer({ dir: mkdtempSync(join(tmpdir(), "new-source-nats-")) });
  nc = await connect({ servers: nats.url });
  jsm = await jetstreamManager(nc);
  await ensureStreams(jsm);
  questdb = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "new-source-qdb-")) });
}, 300_000);

afterAll(async () => {
  rmSync(folder, { recursive: true, force: true });
  await nc?.close();
  await Promise.all([nats?.stop(), questdb?.stop()]);
});

const sign = (body: string) => createHmac("sha256", SECRET).update(body).digest("hex");

describe("a source added as a folder plus one registry line", () => {
  it("gets a webhook route: a signed delivery is stored in JetStream, an unsigned one refused", async () => {
    const adapters = loadAdapters({ THROWAWAY_SECRET: SECRET }, { customerHashKey: "k".repeat(32) }, modules);
    expect(adapters.map((a) => a.platform)).toEqual(["throwaway"]);
    const log = createLogger("test", "silent", { modules });
    const app = createApp({
      adapters,
      publish: jetStreamPublisher(jetstream(nc), 5000),
      ready: async () => ({ ready: true }),
      maxBytes: 64 * 1024,
      log,
    });
    const body = JSON.stringify({ item: "mug", left: 7, at: "2026-11-30T10:00:00.000Z" });
    const post = (signature: string) =>
      app.request("/webhooks/throwaway", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-throwaway-signature": signature,
          "x-throwaway-shop": SHOP,
        },
        body,
      });
    expect((await post(sign("something else"))).status).toBe(401);
    expect((await post(sign(body))).status).toBe(200);
    const subject = eventSubject({ platform: "throwaway", shop: SHOP, type: "inventory_level" });
    const stored = await jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: subject });
    expect(stored?.json<{ inventoryLevel: { available: number } }>().inventoryLevel.available).toBe(7);
  });

  it("gets config validation that names its variable", () => {
    const shared = { customerHashKey: "k".repeat(32) };
    expect(() => loadAdapters({ THROWAWAY_SECRET: "short" }, shared, modules)).toThrow(ConfigError);
    expect(() => loadAdapters({ THROWAWAY_SECRET: "short" }, shared, modules)).toThrow(/THROWAWAY_SECRET/);
    expect(() => loadAdapters({}, shared, modules)).toThrow(/throwaway: THROWAWAY_SECRET/);
  });

  it("gets log redaction of its secrets and signature header", () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString("utf8"));
        done();
      },
    });
    const log = createLogger("test", "info", { modules, destination });
    log.info({ config: { THROWAWAY_SECRET: SECRET, THROWAWAY_API_TOKEN: "api-token-value" } }, "config");
    log.info(
      { headers: { "x-throwaway-signature": "deadbeef", "content-type": "application/json" } },
      "delivery",
    );
    const text = lines.join("");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("api-token-value");
    expect(text).not.toContain("deadbeef");
    expect(text).toContain("application/json");
    expect(text.match(/\[redacted\]/g)).toHaveLength(3);
    // Without the registry line the same logger would leak it: the redaction comes from the module.
    const plain: string[] = [];
    const without = createLogger("test", "info", {
      destination: new Writable({
        write(chunk: Buffer, _e, done) {
          plain.push(chunk.toString("utf8"));
          done();
        },
      }),
    });
    without.info({ config: { THROWAWAY_SECRET: SECRET } }, "config");
    expect(plain.join("")).toContain(SECRET);
  });

  it("gets catch-up scheduling: its API is loaded when its variables are set", () => {
    const log = createLogger("test", "silent");
    const apis = loadApis({ THROWAWAY_API_TOKEN: "x" }, { customerHashKey: "k".repeat(32), log }, modules);
    expect(apis.map((a) => [a.platform, a.shop])).toEqual([["throwaway", SHOP]]);
  });

  it("gets redaction coverage: shop/redact removes the shop from its own table", async () => {
    expect(shopDataTables(modules).map((t) => t.table)).toContain("throwaway_visits");
    const db = new QuestDb(questdb.httpUrl);
    await db.exec(
      `CREATE TABLE throwaway_visits (ts TIMESTAMP, platform SYMBOL, shop SYMBOL, page VARCHAR) TIMESTAMP(ts) PARTITION BY DAY WAL`,
    );
    await db.exec(
      `INSERT INTO throwaway_visits VALUES
       ('2026-11-29T10:00:00.000000Z', 'throwaway', '${SHOP}', '/a'),
       ('2026-11-29T11:00:00.000000Z', 'throwaway', 'other.example', '/b'),
       ('2026-11-30T10:00:00.000000Z', 'throwaway', '${SHOP}', '/c')`,
    );
    expect(await walApplied(db, ["throwaway_visits"])).toBe(true);
    const report = await redactShop(db, "throwaway", SHOP, createLogger("test", "silent"), {
      tables: shopDataTables(modules),
    });
    expect(report.find((r) => r.table === "throwaway_visits")).toEqual({
      table: "throwaway_visits",
      days: ["2026-11-29", "2026-11-30"],
      rowsRemoved: 2,
    });
    const left = await db.exec<[string, string]>(`SELECT shop, page FROM throwaway_visits`);
    expect(left.dataset).toEqual([["other.example", "/b"]]);
  }, 60_000);
});
