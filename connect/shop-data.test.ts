import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import type { PlatformModule } from "../platforms/adapter.ts";
import { platforms } from "../platforms/index.ts";
import { ShopDataMisdeclared, shopDataTables } from "./shop-data.ts";

/**
 * shop/redact finds tables only through the modules' declarations, so a table created with a shop
 * column and never declared would keep a redacted shop's rows. This reads every CREATE TABLE the
 * services run (the source, not a list kept here) and holds the declarations to it.
 */

const ROOT = join(import.meta.dirname, "..");
const SKIPPED = new Set(["node_modules", ".git", ".data", "test", "bench", "provisioning", "sdk"]);

/** Tables whose `shop` column names no store: they are not a store's data to redact. */
const NOT_A_STORE: Record<string, string> = {
  payments: "shop is the payment processor's account (Stripe account, PayPal merchant), beside `processor`",
  disputes: "the processor's account, as in payments",
  payouts: "the processor's account, as in payments",
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return SKIPPED.has(entry.name) ? [] : sourceFiles(join(dir, entry.name));
    const isSource = entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts");
    return isSource ? [join(dir, entry.name)] : [];
  });
}

/** Every table the services create, with whether it has a `shop` column and where it is created. */
function createdTables(): Map<string, { shop: boolean; file: string }> {
  const tables = new Map<string, { shop: boolean; file: string }>();
  const ddl = /CREATE TABLE IF NOT EXISTS (\w+) \(([^;`]*?)\)\s*TIMESTAMP\(/g;
  for (const file of sourceFiles(ROOT)) {
    for (const [, table, columns] of readFileSync(file, "utf8").matchAll(ddl))
      tables.set(table!, {
        shop: /^\s*shop\s+(SYMBOL|VARCHAR)\b/m.test(columns!),
        file: relative(ROOT, file),
      });
  }
  return tables;
}

describe("the tables shop/redact covers", () => {
  const created = createdTables();
  const declared = shopDataTables().map((t) => t.table);

  it("finds the services' DDL (the scan is not empty)", () => {
    // Tables known to be created by three different services' modules.
    for (const table of ["orders", "alerts", "page_views", "webhook_receipts", "consumer_lag"])
      expect(created.has(table), table).toBe(true);
    expect(created.get("consumer_lag")?.shop).toBe(false);
  });

  it("declares every table created with a shop column, apart from the listed exceptions", () => {
    const withShop = [...created].filter(([, t]) => t.shop).map(([table]) => table);
    const undeclared = withShop.filter((t) => !declared.includes(t) && !(t in NOT_A_STORE));
    expect(undeclared, "tables with a shop column that no module declares").toEqual([]);
  });

  it("declares only tables that exist with a shop column, and lists no exception twice", () => {
    for (const table of declared) expect(created.get(table)?.shop, table).toBe(true);
    for (const table of Object.keys(NOT_A_STORE)) {
      expect(created.get(table)?.shop, table).toBe(true);
      expect(declared, table).not.toContain(table);
    }
  });
});

describe("tables that find their shop through its sites", () => {
  /** The registry plus one throwaway source declaring `shopData` (only that member is read). */
  const withSource = (shopData: PlatformModule["shopData"]) => [
    ...platforms,
    { ...platforms[0]!, platform: "throwaway", shopData },
  ];

  it("are exactly the behaviour tables with no platform column, declared before page_views", () => {
    const names = shopDataTables().map((t) => t.table);
    const viaSites = shopDataTables().filter((t) => t.sitesFrom);
    expect(viaSites.map((t) => [t.table, t.sitesFrom])).toEqual([
      ["clicks", "page_views"],
      ["scrolls", "page_views"],
    ]);
    for (const { table } of viaSites) expect(names.indexOf(table)).toBeLessThan(names.indexOf("page_views"));
  });

  it("refuses a table whose sites come from a table declared before it, or not at all", () => {
    // page_views is a shared table, declared before every source's own.
    for (const sitesFrom of ["page_views", "nowhere"]) {
      const declare = () => shopDataTables(withSource([{ table: "taps", ts: "ts", by: "DAY", sitesFrom }]));
      expect(declare).toThrow(ShopDataMisdeclared);
      expect(declare).toThrow(/table taps takes its sites from/);
    }
  });

  it("accepts a source's table whose sites come from its own table declared after it", () => {
    const shopData = [
      { table: "taps", ts: "ts", by: "DAY" as const, sitesFrom: "visits" },
      { table: "visits", ts: "ts", by: "DAY" as const },
    ];
    expect(shopDataTables(withSource(shopData)).map((t) => t.table)).toEqual(
      expect.arrayContaining(["taps", "visits"]),
    );
  });
});
