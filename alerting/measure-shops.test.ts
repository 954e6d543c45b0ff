import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QuestDb, walApplied } from "../core/questdb.ts";
import { ORDER_TABLES, ensureTables } from "../processors/orders/schema.ts";
import { SALES_TABLES } from "../processors/sales/schema.ts";
import { startQuestDbServer, type QuestDbServer } from "../services/questdb-server.ts";
import { measure, UNKNOWN_PLATFORM } from "./measure.ts";
import { Rule } from "./rules.ts";

/**
 * A rule that names a shop with no recent orders still watches it, under the platform MetricsDash
 * knows it by (its `shops` row), never a platform guessed for it. Real QuestDB, production DDL.
 */

let server: QuestDbServer;
let db: QuestDb;

beforeAll(async () => {
  server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-measure-shops-")) });
  db = new QuestDb(server.httpUrl);
  await ensureTables(db, [...ORDER_TABLES, ...SALES_TABLES]);
  // A WooCommerce shop whose zone was recorded long ago, and that has sold nothing since.
  await db.exec(
    `INSERT INTO shops (ts, platform, shop, timezone, currency, minor_per_unit, source, updated_at)
     VALUES ('2025-01-01T00:00:00.000000Z', 'woocommerce', 'quiet.example', 'Europe/Berlin', 'EUR', 100, 'api', '2025-01-01T00:00:00.000000Z')`,
  );
  if (!(await walApplied(db, ["shops", "orders"]))) throw new Error("WAL not applied");
}, 300_000);
afterAll(() => server?.stop());

const rule = (scope: { platform?: string; shops: string[] }) =>
  Rule.parse({
    id: "quiet",
    name: "quiet shops",
    kind: "no_orders",
    severity: "warning",
    minutes: 30,
    openingHours: { timeZone: "UTC" },
    scope,
    channels: [],
  });

describe("a sales rule naming shops without recent orders", () => {
  it("watches each under the platform its shops row names, or says it is unknown", async () => {
    const seen = await measure(db, rule({ shops: ["quiet.example", "never.example"] }), Date.now());
    expect(seen.map((o) => [o.shop, o.platform])).toEqual([
      ["quiet.example", "woocommerce"],
      ["never.example", UNKNOWN_PLATFORM],
    ]);
    // Both are still measured as shops without orders, not dropped.
    expect(seen.every((o) => o.summary.includes("no order in 5 weeks"))).toBe(true);
  });

  it("keeps the rule's own platform when it names one", async () => {
    const seen = await measure(db, rule({ platform: "bigcommerce", shops: ["quiet.example"] }), Date.now());
    expect(seen.map((o) => [o.shop, o.platform])).toEqual([["quiet.example", "bigcommerce"]]);
  });
});
