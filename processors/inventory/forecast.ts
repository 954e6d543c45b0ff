import { median, sampleStandardDeviation } from "simple-statistics";

/**
 * Stock arithmetic for one SKU, free of I/O so every number can be checked by hand.
 *
 * Velocity estimator ("burst-capped, two-window max"):
 *  1. Each order line counts at most `burstFactor` × the median line quantity of the window. A
 *     single bulk order (a reseller buying 40 of a thing that sells 1 at a time) is a one-off, not a
 *     rate: uncapped it would multiply the velocity and page someone about a stockout that isn't
 *     coming. A surge of many ordinary orders is not capped — that is real demand.
 *  2. Units/hour over the trailing 24 h and over the trailing 7 days; the larger one wins. The 7-day
 *     rate is steady (one quiet day doesn't zero it); the 24-hour rate catches a surge within the
 *     day. Taking the larger errs on warning early, which is the cheap mistake for a stockout.
 * Units that left the shelf (the level arithmetic) are never capped: capping is only about rates.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export interface ForecastSettings {
  /** Days between placing a purchase order and the stock arriving. */
  leadTimeDays: number;
  /** Service-level factor of the safety stock (1.65 ≈ 95 % of lead times without a stockout). */
  serviceZ: number;
  /** A line counts at most this many times the median line quantity. */
  burstFactor: number;
  /** Days of history behind the 7-day rate and the σ of daily demand. */
  windowDays: number;
}

export const DEFAULT_FORECAST_SETTINGS: ForecastSettings = {
  leadTimeDays: 7,
  serviceZ: 1.65,
  burstFactor: 3,
  windowDays: 7,
};

export interface SaleLine {
  /** Order creation, ms since the epoch. */
  at: number;
  quantity: number;
}

export interface StockReport {
  locationId: string;
  inventoryItemId: string;
  /** Null when the platform doesn't track stock for this item at this location. */
  available: number | null;
  /** When the platform says the level was true, ms since the epoch. */
  at: number;
}

export interface LocationLevel {
  locationId: string;
  inventoryItemId: string;
  reported: number;
  reportedAt: number;
  /** Units sold after the newest report of this SKU anywhere, taken off this location. */
  unreportedSold: number;
  available: number;
  /** The instant this level is as of: its report, or the last unreported sale counted. */
  asOf: number;
}

export interface Velocity {
  perHour: number;
  rate24h: number;
  rate7d: number;
  /** Largest quantity a single line counted for (0 when there were no sales). */
  burstCap: number;
  /** Capped units per trailing day: [last 24 h, the 24 h before, …]. */
  daily: number[];
}

export interface Forecast {
  velocity: Velocity;
  /** Sum over tracked locations; null when no location reports a level. */
  available: number | null;
  /** Hours until `available` reaches zero at `velocity.perHour`; 0 when out of stock; null when not selling or unknown. */
  etaHours: number | null;
  stockoutAt: number | null;
  dailySigma: number;
  safetyStock: number;
  reorderPoint: number;
  leadTimeDays: number;
}

export function velocity(lines: SaleLine[], now: number, settings: ForecastSettings): Velocity {
  const windowStart = now - settings.windowDays * DAY_MS;
  const inWindow = lines.filter((line) => line.at > windowStart && line.at <= now && line.quantity > 0);
  const daily = new Array<number>(settings.windowDays).fill(0);
  if (!inWindow.length) return { perHour: 0, rate24h: 0, rate7d: 0, burstCap: 0, daily };

  const burstCap = settings.burstFactor * median(inWindow.map((line) => line.quantity));
  let last24h = 0;
  let total = 0;
  for (const line of inWindow) {
    const counted = Math.min(line.quantity, burstCap);
    const day = Math.min(settings.windowDays - 1, Math.floor((now - line.at) / DAY_MS));
    daily[day]! += counted;
    total += counted;
    if (line.at > now - DAY_MS) last24h += counted;
  }
  const rate24h = last24h / 24;
  const rate7d = total / (settings.windowDays * 24);
  return { perHour: Math.max(rate24h, rate7d), rate24h, rate7d, burstCap, daily };
}

/**
 * The level at each location: its latest report, less the units sold after the newest report of
 * this SKU at any location. Order lines don't say which location shipped, and the platform reports
 * each decrement soon after the sale; a sale before the newest report may already be in it, a sale
 * after it cannot be in any report. Those unreported units are taken off the location that reported
 * last (where this SKU was last being picked), so nothing is subtracted twice.
 */
export function locationLevels(reports: StockReport[], lines: SaleLine[]): LocationLevel[] {
  const tracked = reports.filter(
    (r): r is StockReport & { available: number } => r.available !== null && Number.isFinite(r.at),
  );
  if (!tracked.length) return [];
  const newest = tracked.reduce((a, b) =>
    b.at > a.at || (b.at === a.at && b.locationId > a.locationId) ? b : a,
  );
  const after = lines.filter((line) => line.at > newest.at && line.quantity > 0);
  const unreported = after.reduce((sum, line) => sum + line.quantity, 0);
  const lastSale = after.reduce((max, line) => Math.max(max, line.at), newest.at);
  return tracked
    .map((report) => {
      const isNewest = report === newest;
      const unreportedSold = isNewest ? unreported : 0;
      return {
        locationId: report.locationId,
        inventoryItemId: report.inventoryItemId,
        reported: report.available,
        reportedAt: report.at,
        unreportedSold,
        available: report.available - unreportedSold,
        asOf: isNewest ? lastSale : report.at,
      };
    })
    .sort((a, b) => a.locationId.localeCompare(b.locationId));
}

export function forecast(
  levels: LocationLevel[],
  lines: SaleLine[],
  now: number,
  settings: ForecastSettings,
): Forecast {
  const v = velocity(lines, now, settings);
  const available = levels.length ? levels.reduce((sum, level) => sum + level.available, 0) : null;
  let etaHours: number | null = null;
  if (available !== null && available <= 0) etaHours = 0;
  else if (available !== null && v.perHour > 0) etaHours = available / v.perHour;
  const dailySigma = sampleStandardDeviation(v.daily);
  const lead = settings.leadTimeDays;
  const safetyStock = settings.serviceZ * dailySigma * Math.sqrt(lead);
  return {
    velocity: v,
    available,
    etaHours,
    stockoutAt: etaHours === null ? null : now + etaHours * HOUR_MS,
    dailySigma,
    safetyStock,
    reorderPoint: v.perHour * 24 * lead + safetyStock,
    leadTimeDays: lead,
  };
}
