import type { Sender } from "@questdb/nodejs-client";
import type { ShopInfo } from "../../core/events.ts";
import type { Logger } from "../../core/log.ts";
import { currencyExponent } from "../../core/money.ts";
import { type QuestDb, sqlString, toMicros } from "../../core/questdb.ts";
import { isIanaZone, type SalesConfig } from "./config.ts";

/** The settings that say where a shop's day starts. */
type ZoneSettings = Pick<SalesConfig, "SHOP_TIMEZONES" | "DEFAULT_SHOP_TIMEZONE">;
import { SHOP_ROW_TIMESTAMP } from "./schema.ts";
import { offsetZone } from "../../core/zoned.ts";
import { ZoneCheck } from "./zones.ts";

export interface ShopSettings {
  platform: string | null;
  shop: string;
  timezone: string;
  currency: string | null;
  /**
   * Where the zone came from: `config` (SHOP_TIMEZONES), `platform` (the platform's own shop
   * settings, a canonical `shop` event), `connect` (the connect flow) or `default`.
   */
  source: string;
}

/**
 * The `shops` table: each shop's zone and currency, one row per shop. Dashboards read it to count
 * "today" from the store's own midnight. Precedence: SHOP_TIMEZONES (written at every start) over
 * what the platform or the connect flow said (newest wins) over DEFAULT_SHOP_TIMEZONE (written only
 * for a shop nobody described yet, when its first event arrives).
 */
export class ShopDirectory {
  private readonly db: QuestDb;
  private readonly config: ZoneSettings;
  private readonly zones: ZoneCheck;
  private readonly known = new Map<string, ShopSettings>();

  constructor(db: QuestDb, config: ZoneSettings) {
    this.db = db;
    this.config = config;
    this.zones = new ZoneCheck(db);
  }

  /** Checks the configured zones against QuestDB, loads what is stored and writes the configured zones. */
  async init(sender: Sender): Promise<void> {
    const named: [string, string][] = [
      ["DEFAULT_SHOP_TIMEZONE", this.config.DEFAULT_SHOP_TIMEZONE],
      ...Object.entries(this.config.SHOP_TIMEZONES).map(([shop, zone]): [string, string] => [
        `SHOP_TIMEZONES.${shop}`,
        zone,
      ]),
    ];
    for (const [variable, zone] of named) {
      if (!(await this.zones.agrees(zone))) {
        throw new Error(
          `${variable}: QuestDB does not read "${zone}" as the IANA database does; use a region name (Europe/Berlin) or an offset (+05:30)`,
        );
      }
    }
    await this.load();
    const configured: ShopSettings[] = [];
    for (const [shop, timezone] of Object.entries(this.config.SHOP_TIMEZONES)) {
      const stored = this.known.get(shop);
      if (stored?.timezone === timezone && stored.source === "config") continue;
      const settings = {
        platform: stored?.platform ?? null,
        shop,
        timezone,
        currency: stored?.currency ?? null,
        source: "config",
      };
      await writeShopRow(sender, settings);
      configured.push(settings);
    }
    await sender.flush();
    this.remember(configured);
  }

  get(shop: string): ShopSettings | undefined {
    return this.known.get(shop);
  }

  /**
   * Writes rows for shops seen for the first time (or first seen with a currency). The caller flushes,
   * then calls `remember` with the result, so a failed write is tried again with the batch.
   */
  async observe(
    sender: Sender,
    shops: { platform: string; shop: string; currency: string }[],
  ): Promise<ShopSettings[]> {
    const written: ShopSettings[] = [];
    // Another service (the connect flow) may have described a shop since we loaded the table.
    const unknown = shops.filter(({ shop }) => !this.complete(shop)).map(({ shop }) => shop);
    if (unknown.length) await this.load(`WHERE shop IN (${unknown.map(sqlString).join(",")})`);
    for (const { platform, shop, currency } of shops) {
      const stored = this.known.get(shop);
      if (this.complete(shop)) continue;
      const configured = this.config.SHOP_TIMEZONES[shop];
      const settings = {
        platform,
        shop,
        currency: stored?.currency ?? currency,
        timezone: stored?.timezone ?? configured ?? this.config.DEFAULT_SHOP_TIMEZONE,
        source: stored?.source ?? (configured ? "config" : "default"),
      };
      await writeShopRow(sender, settings);
      written.push(settings);
    }
    return written;
  }

  /**
   * What a platform says of a shop (its settings' zone, or only a UTC offset, and its currency).
   * A configured zone stays; a zone QuestDB would misread is refused (logged), keeping the offset or
   * what was known. The caller flushes, then calls `remember`.
   */
  async learn(
    sender: Sender,
    infos: { platform: string; shop: string; info: ShopInfo }[],
    log: Logger,
  ): Promise<ShopSettings[]> {
    const written: ShopSettings[] = [];
    for (const { platform, shop, info } of infos) {
      const stored = this.known.get(shop);
      const candidates = [
        info.timeZone && isIanaZone(info.timeZone) ? info.timeZone : null,
        info.utcOffsetMinutes === null ? null : offsetZone(info.utcOffsetMinutes),
      ].filter((z): z is string => z !== null);
      let learned: string | undefined;
      for (const zone of candidates) {
        if (await this.zones.agrees(zone)) {
          learned = zone;
          break;
        }
        log.error({ shop, platform, zone }, "shop time zone unknown to QuestDB or Intl; not used");
      }
      const configured = this.config.SHOP_TIMEZONES[shop];
      const settings: ShopSettings = {
        platform,
        shop,
        currency: info.currency,
        timezone: configured ?? learned ?? stored?.timezone ?? this.config.DEFAULT_SHOP_TIMEZONE,
        source: configured ? "config" : learned ? "platform" : (stored?.source ?? "default"),
      };
      await writeShopRow(sender, settings);
      written.push(settings);
    }
    return written;
  }

  remember(settings: ShopSettings[]): void {
    for (const s of settings) this.known.set(s.shop, s);
  }

  private complete(shop: string): boolean {
    const stored = this.known.get(shop);
    return Boolean(stored?.currency && stored.platform);
  }

  private async load(where = ""): Promise<void> {
    const rows = await this.db.rows<{
      platform: string | null;
      shop: string;
      timezone: string;
      currency: string | null;
      source: string;
    }>(`SELECT platform, shop, timezone, currency, source FROM shops ${where}`);
    for (const row of rows) this.known.set(row.shop, row);
  }
}

/**
 * One shop's row in `shops`, replacing the previous one. The connect flow calls this with
 * `source: "connect"` once it has read the shop's zone and currency from the platform; the caller
 * flushes the sender.
 */
export async function writeShopRow(sender: Sender, settings: ShopSettings): Promise<void> {
  const row = sender.table("shops").symbol("shop", settings.shop).symbol("source", settings.source);
  if (settings.platform) row.symbol("platform", settings.platform);
  if (settings.currency) {
    row.symbol("currency", settings.currency);
    row.intColumn("minor_per_unit", 10 ** currencyExponent(settings.currency));
  }
  await row
    .stringColumn("timezone", settings.timezone)
    .timestampColumn("updated_at", BigInt(Date.now()) * 1000n, "us")
    .at(toMicros(SHOP_ROW_TIMESTAMP), "us");
}
