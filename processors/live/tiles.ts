import { sqlString, type QuestDb } from "../../core/questdb.ts";
import { TILE_FIELDS, TILE_METRICS, tileMeasurement, type TileMetric } from "../../core/live-channel.ts";
import type { Point } from "./line-protocol.ts";

interface SpanTotals {
  orders: number;
  ordersCreated: number;
  revenueMinor: number;
  checkouts: number;
}

const SPANS = [0, 1, 7] as const;

/** One row per span (0 = today, 1 = yesterday, 7 = last week), each up to the same local time. */
function spanSql(platform: string, shop: string, zone: string, nowMs: number): string {
  const now = `cast(${sqlString(new Date(nowMs).toISOString())} AS timestamp)`;
  const tz = sqlString(zone);
  const localNow = `to_timezone(${now}, ${tz})`;
  return SPANS.map((back) => {
    const start = `to_utc(dateadd('d', ${-back}, timestamp_floor('d', ${localNow})), ${tz})`;
    const end = back ? `to_utc(dateadd('d', ${-back}, ${localNow}), ${tz})` : now;
    return `SELECT ${back} AS back, coalesce(sum(orders), 0) AS orders,
  coalesce(sum(orders_created), 0) AS orders_created, coalesce(sum(revenue_minor), 0) AS revenue_minor,
  coalesce(sum(checkouts), 0) AS checkouts
FROM sales_1m
WHERE platform = ${sqlString(platform)} AND shop = ${sqlString(shop)} AND ts >= ${start} AND ts < ${end}`;
  }).join("\nUNION ALL\n");
}

/** The shop's zone and minor units per unit, as the dashboards read them from `shops`. */
async function shopSettings(db: QuestDb, platform: string, shop: string) {
  const result = await db.exec<[string | null, number | null]>(
    `SELECT timezone, minor_per_unit FROM shops WHERE platform = ${sqlString(platform)} AND shop = ${sqlString(shop)} LIMIT 1`,
  );
  const [timezone, minor] = result.dataset[0] ?? [];
  return { zone: timezone ?? "UTC", minorPerUnit: minor ?? 100 };
}

const change = (now: number, base: number) => (base !== 0 ? (now - base) / Math.abs(base) : NaN);

function metricValue(metric: TileMetric, t: SpanTotals, minorPerUnit: number): number {
  const revenue = t.revenueMinor / minorPerUnit;
  switch (metric) {
    case "revenue":
      return revenue;
    case "orders":
      return t.orders;
    case "aov":
      return t.orders > 0 ? revenue / t.orders : NaN;
    case "conversion":
      return t.checkouts > 0 ? t.ordersCreated / t.checkouts : NaN;
  }
}

/**
 * A shop's today tiles, as the TV wall's stat panels show them: each metric's value for store-local
 * midnight → now and its change against the same span yesterday and on the same weekday last week.
 * The same definitions as the dashboards' SQL (grafana/sql/one-shop.ts): AOV = revenue / orders,
 * conversion = orders placed / checkouts started, a change is (now − base) / |base| and undefined
 * (left out of the line) when the base is zero. One point per metric, named so its channel is
 * `stream/metricsdash/<platform>.<shop>.<metric>` and its fields match the SQL panel's columns
 * (core/live-channel.ts). Read from `sales_1m`; a metric with no value today is left out.
 */
export async function shopTiles(
  db: QuestDb,
  platform: string,
  shop: string,
  nowMs: number,
): Promise<Point[]> {
  const { zone, minorPerUnit } = await shopSettings(db, platform, shop);
  const result = await db.exec<[number, number, number, number, number]>(
    spanSql(platform, shop, zone, nowMs),
  );
  const spans = new Map<number, SpanTotals>(
    result.dataset.map(([back, orders, ordersCreated, revenueMinor, checkouts]) => [
      back,
      { orders, ordersCreated, revenueMinor, checkouts },
    ]),
  );
  const zero: SpanTotals = { orders: 0, ordersCreated: 0, revenueMinor: 0, checkouts: 0 };
  const [today, yesterday, lastWeek] = SPANS.map((back) => spans.get(back) ?? zero);
  const points: Point[] = [];
  for (const metric of TILE_METRICS) {
    const measurement = tileMeasurement(platform, shop, metric);
    const value = metricValue(metric, today!, minorPerUnit);
    if (!measurement || !Number.isFinite(value)) continue;
    points.push({
      measurement,
      tags: {},
      fields: {
        [TILE_FIELDS.today]: value,
        [TILE_FIELDS.vsYesterday]: change(value, metricValue(metric, yesterday!, minorPerUnit)),
        [TILE_FIELDS.vsLastWeek]: change(value, metricValue(metric, lastWeek!, minorPerUnit)),
      },
      at: nowMs,
    });
  }
  return points;
}
