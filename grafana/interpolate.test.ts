import { describe, expect, it } from "vitest";
import {
  interpolateVariables,
  queryIntervalMs,
  renderQuery,
  sampleByInterval,
  type QueryContext,
} from "./interpolate.ts";

const ctx: QueryContext = {
  from: new Date("2024-01-26T10:03:45.598Z"),
  to: new Date("2024-01-26T16:04:17.560Z"),
  maxDataPoints: 1440,
  minInterval: "1m",
  variables: { shop: "a.myshopify.com", tz: "Europe/Berlin", skus: ["A", "B"] },
};

describe("renderQuery", () => {
  it("expands the QuestDB plugin's macros as its README shows them", () => {
    // The README's example range: 1706263425598000 … 1706285057560000 µs.
    expect(renderQuery("SELECT * FROM t WHERE $__timeFilter(ts)", ctx)).toBe(
      "SELECT * FROM t WHERE ts >= cast(1706263425598000 as timestamp) AND ts <= cast(1706285057560000 as timestamp)",
    );
    expect(renderQuery("SELECT $__fromTime, $__toTime", ctx)).toBe(
      "SELECT cast(1706263425598000 as timestamp), cast(1706285057560000 as timestamp)",
    );
  });

  it("replaces variables first, the way Grafana formats them for this data source", () => {
    expect(renderQuery("shop = '$shop' AND tz = '${tz}' AND sku IN ($skus)", ctx)).toBe(
      "shop = 'a.myshopify.com' AND tz = 'Europe/Berlin' AND sku IN ('A','B')",
    );
    expect(() => renderQuery("shop = '$nope'", ctx)).toThrow(/unexpanded "\$nope"/);
  });

  it("computes the interval like Grafana and SAMPLE BY units like the plugin", () => {
    // 6 h 32 s over 1440 points ≈ 15 s → 15 s on Grafana's ladder, raised to the panel's 1 m floor.
    expect(queryIntervalMs(ctx)).toBe(60_000);
    expect(renderQuery("SAMPLE BY $__sampleByInterval /* $__interval $__interval_ms */", ctx)).toBe(
      "SAMPLE BY 60s /* 1m 60000 */",
    );
    expect([1, 999, 1000, 7_200_000, 86_400_000, 129_600_000].map(sampleByInterval)).toEqual([
      "1T",
      "999T",
      "1s",
      "2h",
      "1d",
      "1d", // the plugin divides whole hours by 24 as integers
    ]);
  });

  it("drops a $__conditionalAll condition when its variable is at All, as the plugin does", () => {
    const sql =
      "WHERE $__conditionalAll(platform IN ($platform), $platform) AND $__conditionalAll(shop IN (${shop}), ${shop})";
    const some = { ...ctx, variables: { platform: ["shopify"], shop: ["a", "b"] } };
    expect(renderQuery(sql, some)).toBe("WHERE platform IN ('shopify') AND shop IN ('a','b')");
    expect(renderQuery(sql, { ...some, allSelected: ["platform"] })).toBe("WHERE 1=1 AND shop IN ('a','b')");
    expect(renderQuery(sql, { ...some, allSelected: ["platform", "shop"] })).toBe("WHERE 1=1 AND 1=1");
    expect(() => renderQuery("WHERE $__conditionalAll(x = 1", some)).toThrow(/malformed/);
  });
});

describe("the sqlstring format", () => {
  it("quotes a shop name holding a quote so it stays one SQL string", () => {
    const ctx = {
      from: new Date(0),
      to: new Date(60_000),
      maxDataPoints: 100,
      variables: { shop: "o'brien.example" },
    };
    expect(interpolateVariables("shop = ${shop:sqlstring}", ctx)).toBe("shop = 'o''brien.example'");
    expect(
      interpolateVariables("shop IN (${shop:sqlstring})", { ...ctx, variables: { shop: ["a'", "b"] } }),
    ).toBe("shop IN ('a''','b')");
  });
});
