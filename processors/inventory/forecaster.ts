import type { Sender } from "@questdb/nodejs-client";
import type { Logger } from "../../core/log.ts";
import { sqlString, type QuestDb } from "../../core/questdb.ts";
import { DirtySkus, shopKeyString, skuKeyString, type DueWork } from "./dirty.ts";
import {
  DAY_MS,
  forecast,
  locationLevels,
  type Forecast,
  type ForecastSettings,
  type LocationLevel,
  type SaleLine,
  type StockReport,
} from "./forecast.ts";
import { loadItemSkus, unmappedSku } from "./items.ts";
import { BoundedMap } from "../../core/bounded-map.ts";

const MINUTE_US = 60_000_000n;
/** How far back unreported sales are looked for when a SKU's newest report is old. */
const MAX_LOOKBACK_MS = 90 * DAY_MS;
const SKU_CHUNK = 200;

export interface ForecasterOptions {
  db: QuestDb;
  sender: Sender;
  settings: ForecastSettings;
  log: Logger;
  /** The shops this replica forecasts (its partition); every shop when absent. */
  owns?: (platform: string, shop: string) => boolean;
  /** Level fingerprints remembered (one per SKU and location); past it the oldest are rewritten once more. */
  writtenMax?: number;
}

/** ≈ 100 bytes each: ~10 MB for a catalogue of 100,000 SKU-locations, whatever the shops send. */
export const DEFAULT_WRITTEN_MAX = 100_000;

/** A shop's item → SKU map, and its inverse. */
interface ShopItems {
  items: Map<string, string>;
  itemsOfSku: Map<string, string[]>;
}

const iso = (ms: number) => new Date(ms).toISOString();
const micros = (ms: number) => BigInt(Math.round(ms)) * 1000n;

/**
 * Recomputes levels and forecasts from the facts in QuestDB (stock reports, the item map, order
 * lines), so a crash, a redelivery or a late event changes nothing but the next computation.
 */
export class Forecaster {
  private readonly options: ForecasterOptions;
  /**
   * Level rows already written, so an unchanged level is not rewritten every cycle. Bounded: SKUs and
   * locations are names from the shops, and forgetting one costs only an upsert of the same row.
   */
  private readonly written: BoundedMap<string, string>;
  /**
   * SKUs each shop has a live (not retired) forecast for, from any pass, seeded from QuestDB the first
   * time a shop is seen so a restart still retires what the previous process left: one that a pass no
   * longer finds gets a retired row.
   */
  private readonly live = new Map<string, Set<string>>();

  constructor(options: ForecasterOptions) {
    this.options = options;
    this.written = new BoundedMap(options.writtenMax ?? DEFAULT_WRITTEN_MAX);
  }

  private async liveSkus(platform: string, shop: string): Promise<Set<string>> {
    const key = shopKeyString({ platform, shop });
    let live = this.live.get(key);
    if (!live) {
      live = await loadLiveSkus(this.options.db, platform, shop);
      this.live.set(key, live);
    }
    return live;
  }

  /** How many level fingerprints are remembered (for the memory bound's test). */
  get rememberedLevels(): number {
    return this.written.size;
  }

  /** Every shop with stock reports or recent sales. */
  async sweep(now: number): Promise<number> {
    const { db } = this.options;
    const since = sqlString(iso(now - this.options.settings.windowDays * DAY_MS));
    const shops = new Map<string, { platform: string; shop: string }>();
    for (const query of [
      "SELECT DISTINCT platform, shop FROM inventory_reports",
      `SELECT DISTINCT platform, shop FROM order_lines WHERE created_at > ${since}`,
    ]) {
      for (const [platform, shop] of (await db.exec<[string, string]>(query)).dataset)
        if (this.options.owns?.(platform, shop) ?? true)
          shops.set(shopKeyString({ platform, shop }), { platform, shop });
    }
    let computed = 0;
    for (const { platform, shop } of shops.values()) computed += await this.computeShop(platform, shop, now);
    return computed;
  }

  /** What `dirty` hands out: whole shops, and single SKUs grouped by shop. */
  async computeDirty({ skus, shops }: DueWork, now: number): Promise<number> {
    const whole = new Set(shops.map(shopKeyString));
    const byShop = new Map<string, { platform: string; shop: string; skus: Set<string> }>();
    for (const key of skus) {
      const group = shopKeyString(key);
      if (whole.has(group)) continue;
      const entry = byShop.get(group) ?? { platform: key.platform, shop: key.shop, skus: new Set<string>() };
      entry.skus.add(key.sku);
      byShop.set(group, entry);
    }
    let computed = 0;
    for (const { platform, shop } of shops) computed += await this.computeShop(platform, shop, now);
    for (const { platform, shop, skus } of byShop.values())
      computed += await this.computeShop(platform, shop, now, skus);
    return computed;
  }

  /**
   * Recomputes `only` (every SKU of the shop when absent) a chunk of SKUs at a time, each chunk's
   * rows flushed before the next is read: what one pass holds is one chunk's reports and lines,
   * however many SKUs the shop has. Then retires the live SKUs the pass no longer found.
   */
  async computeShop(platform: string, shop: string, now: number, only?: Set<string>): Promise<number> {
    const items = await loadItemSkus(this.options.db, platform, shop);
    const wanted = only ?? (await this.shopSkus(platform, shop, now, items));
    // Each chunk looks up its SKUs' items: an index once, not a walk of every item per chunk.
    const itemsOfSku = new Map<string, string[]>();
    for (const [item, sku] of items) {
      const list = itemsOfSku.get(sku);
      if (list) list.push(item);
      else itemsOfSku.set(sku, [item]);
    }
    const seen = new Set<string>();
    for (const chunk of chunks([...wanted], SKU_CHUNK)) {
      const skus = await this.computeSkus(platform, shop, now, { items, itemsOfSku }, new Set(chunk));
      for (const sku of skus) seen.add(sku);
      await this.flush(platform, shop);
    }
    await this.retire(platform, shop, now, [...(only ?? [])], seen, !only);
    await this.flush(platform, shop);
    return seen.size;
  }

  /** Every SKU of the shop with a stock report, or with sales in the velocity window. */
  private async shopSkus(platform: string, shop: string, now: number, items: Map<string, string>) {
    const { db, settings } = this.options;
    const where = `platform = ${sqlString(platform)} AND shop = ${sqlString(shop)}`;
    const skus = new Set<string>();
    const reports = await db.exec<[string, string | null]>(
      `SELECT inventory_item_id, sku FROM inventory_reports
       WHERE ${where} LATEST ON updated_at PARTITION BY inventory_item_id, location_id`,
    );
    for (const [item, reportedSku] of reports.dataset)
      skus.add(reportedSku ?? items.get(item) ?? unmappedSku(item));
    const lines = await db.exec<[string]>(
      `SELECT DISTINCT sku FROM order_lines WHERE ${where}
       AND created_at > ${sqlString(iso(now - settings.windowDays * DAY_MS))} AND status = 'sale' AND test = false`,
    );
    for (const [sku] of lines.dataset) skus.add(sku);
    return skus;
  }

  /** Levels and forecasts of these SKUs (at most a chunk); returns the SKUs that had reports or sales. */
  private async computeSkus(
    platform: string,
    shop: string,
    now: number,
    items: ShopItems,
    only: Set<string>,
  ): Promise<Set<string>> {
    const reportsBySku = await this.reportsOf(platform, shop, items, only);
    // Sales back to the older of the velocity window and the oldest "newest report" among these SKUs.
    let from = now - this.options.settings.windowDays * DAY_MS;
    for (const list of reportsBySku.values()) from = Math.min(from, Math.max(...list.map((r) => r.at)));
    from = Math.max(from, now - MAX_LOOKBACK_MS);
    const linesBySku = await this.linesOf(platform, shop, from, only);
    const skus = new Set([...reportsBySku.keys(), ...linesBySku.keys()]);
    const minute = (micros(now) / MINUTE_US) * MINUTE_US;
    for (const sku of skus) {
      const lines = linesBySku.get(sku) ?? [];
      const levels = locationLevels(reportsBySku.get(sku) ?? [], lines);
      for (const level of levels) await this.writeLevel(platform, shop, sku, level);
      const f = forecast(levels, lines, now, this.options.settings);
      await this.writeForecast(platform, shop, sku, levels.length, f, minute);
    }
    return skus;
  }

  /**
   * These SKUs' newest reports per item and location: by mapped item, by the SKU the event named,
   * or the item an item:<id> key stands for (the shop's whole report history is the slow part).
   */
  private async reportsOf(
    platform: string,
    shop: string,
    { items, itemsOfSku }: ShopItems,
    only: Set<string>,
  ) {
    const where = `platform = ${sqlString(platform)} AND shop = ${sqlString(shop)}`;
    const wanted = [...only].flatMap((sku) => itemsOfSku.get(sku) ?? []);
    for (const sku of only) if (sku.startsWith("item:")) wanted.push(sku.slice("item:".length));
    const bySku = `sku IN (${[...only].map(sqlString).join(",")})`;
    const filter = wanted.length
      ? `AND (inventory_item_id IN (${wanted.map(sqlString).join(",")}) OR ${bySku})`
      : `AND ${bySku}`;
    const reports = await this.options.db.exec<[string, string, number | null, string, string | null]>(
      `SELECT inventory_item_id, location_id, available, updated_at, sku FROM inventory_reports
       WHERE ${where} ${filter} LATEST ON updated_at PARTITION BY inventory_item_id, location_id`,
    );
    const reportsBySku = new Map<string, StockReport[]>();
    for (const [item, locationId, available, updatedAt, reportedSku] of reports.dataset) {
      // A platform that names the SKU in its stock event (BigCommerce, WooCommerce) is taken at its word.
      const sku = reportedSku ?? items.get(item) ?? unmappedSku(item);
      if (!only.has(sku)) continue;
      const list = reportsBySku.get(sku) ?? [];
      list.push({ inventoryItemId: item, locationId, available, at: Date.parse(updatedAt) });
      reportsBySku.set(sku, list);
    }
    return reportsBySku;
  }

  /** These SKUs' sale lines since `from`. */
  private async linesOf(platform: string, shop: string, from: number, only: Set<string>) {
    const lines = await this.options.db.exec<[string, string, number]>(
      `SELECT sku, created_at, quantity FROM order_lines
       WHERE platform = ${sqlString(platform)} AND shop = ${sqlString(shop)} AND created_at > ${sqlString(iso(from))}
       AND status = 'sale' AND test = false AND sku IN (${[...only].map(sqlString).join(",")})`,
    );
    const linesBySku = new Map<string, SaleLine[]>();
    for (const [sku, createdAt, quantity] of lines.dataset) {
      const list = linesBySku.get(sku) ?? [];
      list.push({ at: Date.parse(createdAt), quantity });
      linesBySku.set(sku, list);
    }
    return linesBySku;
  }

  /** A level row, unless the same one was written last (a bounded memory of them). */
  private async writeLevel(platform: string, shop: string, sku: string, level: LocationLevel): Promise<void> {
    const key = `${skuKeyString({ platform, shop, sku })}\u0000${level.locationId}`;
    const fingerprint = `${level.asOf}:${level.available}:${level.reported}`;
    if (this.written.get(key) === fingerprint) return;
    this.written.set(key, fingerprint);
    await this.options.sender
      .table("inventory_levels")
      .symbol("platform", platform)
      .symbol("shop", shop)
      .symbol("sku", sku)
      .symbol("location_id", level.locationId)
      .symbol("inventory_item_id", level.inventoryItemId)
      .intColumn("reported", level.reported)
      .timestampColumn("reported_at", micros(level.reportedAt), "us")
      .intColumn("unreported_sold", level.unreportedSold)
      .intColumn("available", level.available)
      .at(micros(level.asOf), "us");
  }

  private async writeForecast(
    platform: string,
    shop: string,
    sku: string,
    locations: number,
    f: Forecast,
    minute: bigint,
  ): Promise<void> {
    const row = this.options.sender
      .table("stockout_forecast")
      .symbol("platform", platform)
      .symbol("shop", shop)
      .symbol("sku", sku)
      .intColumn("locations", locations)
      .floatColumn("velocity_per_hour", f.velocity.perHour)
      .floatColumn("rate_24h", f.velocity.rate24h)
      .floatColumn("rate_7d", f.velocity.rate7d)
      .floatColumn("burst_cap", f.velocity.burstCap)
      .floatColumn("daily_sigma", f.dailySigma)
      .floatColumn("lead_time_days", f.leadTimeDays)
      .floatColumn("safety_stock", f.safetyStock)
      .floatColumn("reorder_point", f.reorderPoint);
    if (f.available !== null) row.intColumn("available", f.available);
    if (f.etaHours !== null) row.floatColumn("eta_hours", f.etaHours);
    if (f.stockoutAt !== null) row.timestampColumn("stockout_at", micros(f.stockoutAt), "us");
    await row.at(minute, "us");
  }

  /**
   * A SKU that no longer has reports or sales (an item:<id> now mapped to its SKU, say) gets a
   * retired row, so "latest forecast per SKU" stops showing, and alerting on, a ghost. A full pass
   * retires every live SKU it did not find; a partial one, those of `asked` it did not find.
   */
  private async retire(
    platform: string,
    shop: string,
    now: number,
    asked: string[],
    seen: Set<string>,
    full: boolean,
  ): Promise<void> {
    const live = await this.liveSkus(platform, shop);
    const gone = (full ? [...live] : asked).filter((sku) => live.has(sku) && !seen.has(sku));
    for (const sku of seen) live.add(sku);
    const minute = (micros(now) / MINUTE_US) * MINUTE_US;
    for (const sku of gone) {
      live.delete(sku);
      await this.options.sender
        .table("stockout_forecast")
        .symbol("platform", platform)
        .symbol("shop", shop)
        .symbol("sku", sku)
        .booleanColumn("retired", true)
        .at(minute, "us");
    }
  }

  private async flush(platform: string, shop: string): Promise<void> {
    const { sender } = this.options;
    try {
      await sender.flush();
    } catch (err) {
      sender.reset();
      // Forget what we thought was written, so the next pass writes it again.
      this.written.clear();
      this.live.delete(shopKeyString({ platform, shop }));
      throw err;
    }
  }
}

async function loadLiveSkus(db: QuestDb, platform: string, shop: string): Promise<Set<string>> {
  const { dataset } = await db.exec<[string, boolean]>(
    `SELECT sku, retired FROM stockout_forecast
     WHERE platform = ${sqlString(platform)} AND shop = ${sqlString(shop)}
     LATEST ON ts PARTITION BY sku`,
  );
  return new Set(dataset.filter(([, retired]) => !retired).map(([sku]) => sku));
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface RunningForecaster {
  stop(): Promise<void>;
}

/** Dirty SKUs every `intervalMs`; everything every `refreshMs` (and at start). */
export function runForecaster(
  forecaster: Forecaster,
  dirty: DirtySkus,
  {
    intervalMs,
    refreshMs,
    log,
    clock = Date.now,
  }: { intervalMs: number; refreshMs: number; log: Logger; clock?: () => number },
): RunningForecaster {
  let lastSweep = -Infinity;
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const cycle = async () => {
    const now = clock();
    const work = dirty.take(now);
    try {
      if (now - lastSweep >= refreshMs) {
        const n = await forecaster.sweep(now);
        lastSweep = now;
        log.debug({ skus: n }, "inventory sweep");
      } else if (work.skus.length || work.shops.length) {
        const n = await forecaster.computeDirty(work, now);
        log.debug({ skus: n, wholeShops: work.shops.length }, "inventory recomputed");
      }
    } catch (err) {
      for (const key of work.skus) dirty.mark(key, clock());
      for (const shop of work.shops) dirty.markShop(shop, clock());
      log.warn(
        { err: String(err), skus: work.skus.length, wholeShops: work.shops.length },
        "inventory forecast failed, will retry",
      );
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = cycle().finally(schedule);
    }, intervalMs);
  };
  current = cycle().finally(schedule);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
