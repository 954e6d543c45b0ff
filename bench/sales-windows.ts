import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { CanonicalEvent } from "../core/events.ts";
import { createLogger } from "../core/log.ts";
import { QuestDb } from "../core/questdb.ts";
import { seededRandom } from "../core/seeded-random.ts";
import { ensureTables } from "../processors/orders/schema.ts";
import { salesHandler } from "../processors/sales/handler.ts";
import { RecentFacts } from "../processors/sales/recent.ts";
import { SALES_TABLES } from "../processors/sales/schema.ts";
import { ShopDirectory } from "../processors/sales/shops.ts";
import { startQuestDbServer } from "../services/questdb-server.ts";
import { ServiceSampler } from "./measure.ts";

/**
 * The live-sales handler alone on a real QuestDB: windows recomputed by reading facts back (wait
 * for the WAL, one read per shop per batch) against windows from the facts held in memory.
 * Rounds alternate, each on shops of its own, so both see the same load on this shared machine.
 * CPU is counted for this process (the handler) and for QuestDB, per event.
 *
 *   node bench/sales-windows.ts [events per round, default 20000] [batch, default 500]
 */
const EVENTS = Number(process.argv[2] ?? 20_000);
const BATCH = Number(process.argv[3] ?? 500);
const SHOPS = 20;
const M = 60_000;

function orderEvents(round: number, now: number): CanonicalEvent[] {
  const random = seededRandom(round + 1);
  return Array.from({ length: EVENTS }, (_, i) => {
    const shop = `bench-${round}-${i % SHOPS}.myshopify.com`;
    const createdAt = new Date(now - Math.floor(random() * 120 * M)).toISOString();
    const total = 500 + Math.floor(random() * 20_000);
    return {
      v: 1,
      platform: "shopify",
      shop,
      eventId: `${round}-${i}`,
      receivedAt: createdAt,
      type: "order",
      order: {
        orderId: `${round}-${i}`,
        orderNumber: null,
        createdAt,
        updatedAt: createdAt,
        cancelledAt: null,
        status: "sale",
        financialStatus: null,
        currency: "USD",
        totalMinor: total,
        subtotalMinor: total,
        taxMinor: 0,
        discountMinor: 0,
        shippingMinor: 0,
        test: false,
        customerKey: null,
        lines: [],
      },
    };
  });
}

const dir = mkdtempSync(join(tmpdir(), "metricsdash-bench-sales-"));
const server = await startQuestDbServer({ dir });
const db = new QuestDb(server.httpUrl);
await ensureTables(db, SALES_TABLES);
const log = createLogger("bench-sales");
const loadBefore = loadavg();
const rounds: Record<string, number | string>[] = [];
try {
  for (const [round, mode] of (["read-back", "memory", "read-back", "memory"] as const).entries()) {
    const events = orderEvents(round, Date.now());
    const shops = new ShopDirectory(db, { SHOP_TIMEZONES: {}, DEFAULT_SHOP_TIMEZONE: "UTC" });
    const sender = await db.sender();
    await shops.init(sender);
    const handle = salesHandler(
      db,
      shops,
      log,
      mode === "memory" ? { recent: new RecentFacts(48 * 3_600_000) } : {},
    );
    const sampler = new ServiceSampler();
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < events.length; i += BATCH) await handle(events.slice(i, i + BATCH), sender);
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const { cpuSeconds } = sampler.stop();
    await sender.close();
    rounds.push({
      mode,
      events: events.length,
      batch: BATCH,
      eventsPerSecond: Math.round(events.length / (wallMs / 1000)),
      wallMsPerBatch: Math.round((wallMs / Math.ceil(events.length / BATCH)) * 10) / 10,
      handlerCpuUsPerEvent: Math.round((used.user + used.system) / events.length),
      questdbCpuUsPerEvent: Math.round(((cpuSeconds.questdb ?? 0) * 1e6) / events.length),
    });
    console.log(rounds.at(-1));
  }
} finally {
  await server.stop();
}
const result = { at: new Date().toISOString(), loadBefore, loadAfter: loadavg(), rounds };
mkdirSync("bench/results", { recursive: true });
const file = `bench/results/sales-windows-${result.at.replace(/[:.]/g, "-")}.json`;
writeFileSync(file, JSON.stringify(result, null, 2));
console.log(
  `load average before ${loadBefore.map((l) => l.toFixed(1)).join(" ")}, after ${result.loadAfter.map((l) => l.toFixed(1)).join(" ")}; ${file}`,
);
