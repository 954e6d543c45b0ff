import { mean, sampleStandardDeviation, zScore } from "simple-statistics";
import { currencyExponent } from "../core/money.ts";
import { sqlString, type QuestDb } from "../core/questdb.ts";
import { disputeOpened, payoutFailed } from "./payments.ts";
import { paymentFailures } from "./payment-failures.ts";
import { exceptionRate, lateDeliveries, unshippedAfter } from "./shipping.ts";
import { inScope, skuMatches, type Rule } from "./rules.ts";
import type { Observation } from "./state.ts";
import { spanWeeksAgo, wallClock, zonedInstant } from "../core/zoned.ts";

/**
 * What each kind of rule looks at, read from QuestDB: the inventory processor's forecasts for stock
 * rules; the `orders` facts (and the sales processor's checkout facts) for sales rules, not `sales_1m`.
 */

type Of<K extends Rule["kind"]> = Extract<Rule, { kind: K }>;

const iso = (ms: number) => sqlString(new Date(ms).toISOString());
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export function formatHours(hours: number): string {
  if (hours < 1) return `${Math.max(0, Math.round(hours * 60))} min`;
  if (hours < 48) return `${round(hours)} h`;
  return `${round(hours / 24)} days`;
}

export function formatMoney(minor: number, currency: string | null): string {
  if (!currency) return String(minor);
  const exponent = currencyExponent(currency);
  return `${(minor / 10 ** exponent).toFixed(exponent)} ${currency}`;
}

interface ForecastRow {
  platform: string;
  shop: string;
  sku: string;
  available: number | null;
  reorder_point: number;
  eta_hours: number | null;
  lead_time_days: number;
  velocity_per_hour: number;
  retired: boolean;
  ts: string;
}

async function latestForecasts(db: QuestDb, rule: Rule, now: number): Promise<ForecastRow[]> {
  const rows = await db.rows<ForecastRow & Record<string, unknown>>(
    `SELECT platform, shop, sku, available, reorder_point, eta_hours, lead_time_days, velocity_per_hour, retired, ts
     FROM stockout_forecast WHERE ts > ${iso(now - 2 * 86_400_000)}
     LATEST ON ts PARTITION BY platform, shop, sku`,
  );
  return rows.filter(
    (r) =>
      !r.retired &&
      r.available !== null &&
      inScope(rule, r.platform, r.shop) &&
      skuMatches(rule.scope.skus, r.sku),
  );
}

function stockDetails(r: ForecastRow) {
  return {
    shop: r.shop,
    sku: r.sku,
    available: r.available,
    units_per_day: round(r.velocity_per_hour * 24, 2),
    eta_hours: r.eta_hours === null ? null : round(r.eta_hours, 1),
    reorder_point: Math.ceil(r.reorder_point),
    lead_time_days: r.lead_time_days,
    forecast_at: r.ts,
  };
}

const stockSubject = (r: ForecastRow) => ({
  subject: `${r.shop}/${r.sku}`,
  platform: r.platform,
  shop: r.shop,
  sku: r.sku,
});

function selling(r: ForecastRow): string {
  return r.velocity_per_hour > 0 ? `, selling ${round(r.velocity_per_hour * 24, 1)}/day` : "";
}

async function lowStock(db: QuestDb, rule: Of<"low_stock">, now: number): Promise<Observation[]> {
  return (await latestForecasts(db, rule, now)).map((r) => {
    const available = r.available!;
    const eta = r.eta_hours === null ? "" : `; sells out in ${formatHours(r.eta_hours)}`;
    return {
      ...stockSubject(r),
      value: available,
      threshold: rule.threshold,
      breached: available < rule.threshold,
      cleared: available >= rule.threshold + rule.hysteresis,
      summary: `Low stock: ${r.sku} at ${r.shop} has ${available} left (alert below ${rule.threshold})${selling(r)}${eta}`,
      details: stockDetails(r),
    };
  });
}

async function reorderPoint(db: QuestDb, rule: Of<"reorder_point">, now: number): Promise<Observation[]> {
  return (await latestForecasts(db, rule, now)).map((r) => {
    const available = r.available!;
    const rop = r.reorder_point;
    return {
      ...stockSubject(r),
      value: available,
      threshold: round(rop, 2),
      breached: rop > 0 && available <= rop,
      cleared: rop === 0 || available > rop + rule.hysteresis,
      summary: `Reorder ${r.sku} at ${r.shop}: ${available} left, at or under its reorder point ${Math.ceil(rop)} (lead time ${r.lead_time_days} days${selling(r)})`,
      details: stockDetails(r),
    };
  });
}

async function stockoutEta(db: QuestDb, rule: Of<"stockout_eta">, now: number): Promise<Observation[]> {
  return (await latestForecasts(db, rule, now)).map((r) => {
    const limit = rule.withinHours ?? r.lead_time_days * 24;
    const eta = r.eta_hours;
    const within =
      rule.withinHours === undefined ? `its lead time (${r.lead_time_days} days)` : formatHours(limit);
    return {
      ...stockSubject(r),
      value: eta,
      threshold: limit,
      breached: eta !== null && eta < limit,
      cleared: eta === null || eta >= limit + rule.hysteresis,
      summary:
        eta === null
          ? `${r.sku} at ${r.shop} is not selling (${r.available} left)`
          : `${r.sku} at ${r.shop} sells out in ${formatHours(eta)}, within ${within}: ${r.available} left${selling(r)}`,
      details: { ...stockDetails(r), limit_hours: limit },
    };
  });
}

/** Shops a sales rule watches: those it names, else every shop with orders in the last 5 weeks. */
async function shopsOf(db: QuestDb, rule: Rule, now: number): Promise<{ platform: string; shop: string }[]> {
  const rows = await db.exec<[string, string]>(
    `SELECT DISTINCT platform, shop FROM orders WHERE created_at > ${iso(now - 35 * 86_400_000)}`,
  );
  const found = rows.dataset
    .map(([platform, shop]) => ({ platform, shop }))
    .filter((s) => inScope(rule, s.platform, s.shop));
  const quiet = rule.scope.shops.filter((shop) => !found.some((s) => s.shop === shop));
  const seen =
    rule.scope.platform || !quiet.length ? new Map<string, string>() : await platformsOf(db, quiet);
  for (const shop of quiet)
    found.push({ platform: rule.scope.platform ?? seen.get(shop) ?? UNKNOWN_PLATFORM, shop });
  return found;
}

/** A named shop with no orders that no table places under a platform: watched, but no platform is guessed. */
export const UNKNOWN_PLATFORM = "unknown";

/** The platform each shop was last recorded under in `shops` (zone and currency, kept whatever its age). */
async function platformsOf(db: QuestDb, shops: string[]): Promise<Map<string, string>> {
  const rows = await db.exec<[string, string]>(
    `SELECT shop, platform FROM shops WHERE shop IN (${shops.map(sqlString).join(", ")}) LATEST ON ts PARTITION BY shop`,
  );
  return new Map(rows.dataset);
}

/**
 * Minutes between orders a shop usually has in the current hour of the day (in the rule's time zone),
 * over the last `historyWeeks` weeks: that hour's span in all those days over its orders. Shops
 * without an order in that hour are absent.
 */
async function usualGaps(db: QuestDb, rule: Of<"no_orders">, now: number): Promise<Map<string, number>> {
  const { timeZone } = rule.openingHours;
  const hour = wallClock(timeZone, now).hour;
  const days = rule.historyWeeks * 7;
  const counts = await db.exec<[string, string, number]>(
    `SELECT platform, shop, count() FROM orders
     WHERE test = false AND created_at >= ${iso(now - days * 86_400_000)} AND created_at < ${iso(now)}
       AND hour(to_timezone(created_at, ${sqlString(timeZone)})) = ${hour}
     GROUP BY platform, shop`,
  );
  return new Map(counts.dataset.map(([p, s, n]) => [`${p}\u0000${s}`, (days * 60) / Number(n)]));
}

export function openingStart(rule: Pick<Of<"no_orders">, "openingHours">, now: number): number | null {
  const { timeZone, days, from, to } = rule.openingHours;
  const w = wallClock(timeZone, now);
  if (!days.includes(w.weekday)) return null;
  const [fh, fm] = from.split(":").map(Number) as [number, number];
  const [th, tm] = to.split(":").map(Number) as [number, number];
  const minuteOfDay = w.hour * 60 + w.minute;
  if (minuteOfDay < fh * 60 + fm || minuteOfDay >= th * 60 + tm) return null;
  return zonedInstant(timeZone, {
    year: w.year,
    month: w.month,
    day: w.day,
    hour: fh,
    minute: fm,
    second: 0,
  });
}

async function noOrders(db: QuestDb, rule: Of<"no_orders">, now: number): Promise<Observation[]> {
  const shops = await shopsOf(db, rule, now);
  const last = await db.exec<[string, string, string]>(
    `SELECT platform, shop, max(created_at) FROM orders
     WHERE created_at > ${iso(now - 35 * 86_400_000)} AND test = false GROUP BY platform, shop`,
  );
  const lastOrder = new Map(last.dataset.map(([p, s, t]) => [`${p}\u0000${s}`, Date.parse(t)]));
  const opened = openingStart(rule, now);
  const usual = rule.usualGapFactor === undefined ? undefined : await usualGaps(db, rule, now);
  return shops.map(({ platform, shop }) => {
    const key = `${platform}\u0000${shop}`;
    const lastAt = lastOrder.get(key) ?? null;
    // Quiet time counts inside opening hours only: from the later of the last order and today's opening.
    const minutes = opened === null ? 0 : Math.max(0, (now - Math.max(opened, lastAt ?? opened)) / 60_000);
    const lastText = lastAt === null ? "no order in 5 weeks" : `last order ${new Date(lastAt).toISOString()}`;
    const gap = usual?.get(key) ?? null;
    // With history asked for and none at this hour, quiet is what this hour usually looks like.
    const line =
      usual === undefined
        ? rule.minutes
        : gap === null
          ? null
          : Math.max(rule.minutes, rule.usualGapFactor! * gap);
    const why = gap === null ? "" : `; usually an order every ${Math.round(gap)} minutes at this hour`;
    return {
      subject: shop,
      platform,
      shop,
      sku: null,
      value: round(minutes, 2),
      threshold: line === null ? null : round(line, 1),
      breached: line !== null && minutes >= line,
      cleared: line === null || minutes < Math.max(0, line - rule.hysteresis) || opened === null,
      summary: `No orders at ${shop} for ${Math.floor(minutes)} minutes during opening hours (${lastText}${why})`,
      details: {
        shop,
        minutes_without_orders: round(minutes, 1),
        last_order_at: lastAt === null ? null : new Date(lastAt).toISOString(),
        open_since: opened === null ? null : new Date(opened).toISOString(),
      },
    };
  });
}

/** Revenue per span: orders created in it, less orders cancelled in it (cancellations leave revenue when they happen). */
export async function revenueBySpan(
  db: QuestDb,
  spans: { from: number; to: number }[],
): Promise<
  Map<
    string,
    { platform: string; shop: string; currency: string | null; revenue: number[]; orders: number[] }
  >
> {
  const lo = Math.min(...spans.map((s) => s.from));
  const hi = Math.max(...spans.map((s) => s.to));
  const cols = (column: string, value: string, alias: string) =>
    spans
      .map(
        (s, i) =>
          `sum(CASE WHEN ${column} >= ${iso(s.from)} AND ${column} < ${iso(s.to)} THEN ${value} ELSE 0 END) ${alias}${i}`,
      )
      .join(", ");
  const created = await db.exec<unknown[]>(
    `SELECT platform, shop, last(currency), ${cols("created_at", "total_minor", "revenue")}, ${cols("created_at", "1", "orders")}
     FROM orders WHERE test = false AND created_at >= ${iso(lo)} AND created_at < ${iso(hi)} GROUP BY platform, shop`,
  );
  const cancelled = await db.exec<unknown[]>(
    `SELECT platform, shop, ${cols("cancelled_at", "total_minor", "cancelled")}
     FROM orders WHERE test = false AND status = 'cancelled' AND cancelled_at >= ${iso(lo)} AND cancelled_at < ${iso(hi)}
       AND created_at >= ${iso(lo - 90 * 86_400_000)} GROUP BY platform, shop`,
  );
  const out = new Map<
    string,
    { platform: string; shop: string; currency: string | null; revenue: number[]; orders: number[] }
  >();
  const n = spans.length;
  for (const row of created.dataset) {
    const [platform, shop, currency] = row as [string, string, string | null];
    out.set(`${platform}\u0000${shop}`, {
      platform,
      shop,
      currency,
      revenue: row.slice(3, 3 + n).map(Number),
      orders: row.slice(3 + n, 3 + 2 * n).map(Number),
    });
  }
  for (const row of cancelled.dataset) {
    const entry = out.get(`${row[0]}\u0000${row[1]}`);
    if (entry) row.slice(2, 2 + n).forEach((v, i) => (entry.revenue[i]! -= Number(v)));
  }
  return out;
}

async function revenueDrop(db: QuestDb, rule: Of<"revenue_drop">, now: number): Promise<Observation[]> {
  const spans = Array.from({ length: rule.weeks + 1 }, (_, k) => spanWeeksAgo(rule.timeZone, now, k));
  const byShop = await revenueBySpan(db, spans);
  const shops = await shopsOf(db, rule, now);
  const clock = wallClock(rule.timeZone, now);
  const localTime = `${String(clock.hour).padStart(2, "0")}:${String(clock.minute).padStart(2, "0")}`;
  return shops.map(({ platform, shop }) => {
    const entry = byShop.get(`${platform}\u0000${shop}`);
    const revenue = entry?.revenue ?? new Array<number>(spans.length).fill(0);
    const [today = 0, lastWeek = 0] = revenue;
    const history = revenue.slice(1);
    const drop = lastWeek > 0 ? ((lastWeek - today) / lastWeek) * 100 : 0;
    const sd = sampleStandardDeviation(history);
    const avg = mean(history);
    const z = sd > 0 ? zScore(today, avg, sd) : today < avg ? -Infinity : today > avg ? Infinity : 0;
    const meaningful = lastWeek > 0 && lastWeek >= rule.minBaselineMinor;
    const unusual = rule.zScore === undefined || z <= -rule.zScore;
    const currency = entry?.currency ?? null;
    return {
      subject: shop,
      platform,
      shop,
      sku: null,
      value: round(drop, 2),
      threshold: rule.dropPercent,
      breached: meaningful && drop >= rule.dropPercent && unusual,
      cleared: !meaningful || drop < rule.dropPercent - rule.hysteresis,
      summary:
        `Revenue at ${shop} is ${round(drop)}% under last week by ${localTime} (${rule.timeZone}): ` +
        `${formatMoney(today, currency)} vs ${formatMoney(lastWeek, currency)}` +
        (Number.isFinite(z) ? `; z-score ${round(z, 2)} over ${rule.weeks} weeks` : ""),
      details: {
        shop,
        revenue_today_minor: today,
        revenue_last_week_minor: lastWeek,
        drop_percent: round(drop, 2),
        z_score: Number.isFinite(z) ? round(z, 3) : null,
        weeks_mean_minor: round(avg, 0),
        weeks_sd_minor: round(sd, 0),
        currency,
        since: new Date(spans[0]!.from).toISOString(),
      },
    };
  });
}

async function conversionDrop(db: QuestDb, rule: Of<"conversion_drop">, now: number): Promise<Observation[]> {
  const spans = [spanWeeksAgo(rule.timeZone, now, 0), spanWeeksAgo(rule.timeZone, now, 1)];
  const orders = await revenueBySpan(db, spans);
  const cols = spans
    .map((s, i) => `sum(CASE WHEN ts >= ${iso(s.from)} AND ts < ${iso(s.to)} THEN 1 ELSE 0 END) c${i}`)
    .join(", ");
  // The sales processor files one `checkout` fact per checkout started, at its start (sales_facts).
  const checkouts = await db.exec<[string, string, number, number]>(
    `SELECT platform, shop, ${cols} FROM sales_facts
     WHERE kind = 'checkout' AND ts >= ${iso(spans[1]!.from)} AND ts < ${iso(now)} GROUP BY platform, shop`,
  );
  const started = new Map(
    checkouts.dataset.map(([p, s, c0, c1]) => [`${p}\u0000${s}`, [Number(c0), Number(c1)] as const]),
  );
  return (await shopsOf(db, rule, now)).map(({ platform, shop }) => {
    const key = `${platform}\u0000${shop}`;
    const [cToday = 0, cLast = 0] = started.get(key) ?? [];
    const [oToday = 0, oLast = 0] = orders.get(key)?.orders ?? [];
    const rateToday = cToday ? oToday / cToday : 0;
    const rateLast = cLast ? oLast / cLast : 0;
    const drop = rateLast > 0 ? ((rateLast - rateToday) / rateLast) * 100 : 0;
    const meaningful = cToday >= rule.minCheckouts && cLast >= rule.minCheckouts && rateLast > 0;
    return {
      subject: shop,
      platform,
      shop,
      sku: null,
      value: round(drop, 2),
      threshold: rule.dropPercent,
      breached: meaningful && drop >= rule.dropPercent,
      cleared: !meaningful || drop < rule.dropPercent - rule.hysteresis,
      summary:
        `Checkout conversion at ${shop} is ${round(drop)}% under last week: ${round(rateToday * 100)}% ` +
        `(${oToday} orders / ${cToday} checkouts) vs ${round(rateLast * 100)}% (${oLast} / ${cLast})`,
      details: {
        shop,
        orders_today: oToday,
        checkouts_today: cToday,
        orders_last_week: oLast,
        checkouts_last_week: cLast,
        drop_percent: round(drop, 2),
      },
    };
  });
}

interface CheckRow {
  platform: string;
  shop: string;
  day: string;
  outcome: string;
  ours_after_count: number;
  theirs_count: number;
  checked_at: string;
}

/** Per shop, the days whose latest reconciliation (of the last two days' checks) still differs after a re-fetch. */
async function numbersMismatch(
  db: QuestDb,
  rule: Of<"numbers_mismatch">,
  now: number,
): Promise<Observation[]> {
  const rows = await db.rows<CheckRow & Record<string, unknown>>(
    `SELECT platform, shop, day, outcome, ours_after_count, theirs_count, checked_at FROM reconciliation
     WHERE checked_at > ${iso(now - 2 * 86_400_000)} ORDER BY checked_at`,
  );
  // Ordered by time, so the last row per day is its latest check; a later fix clears the day.
  const latest = new Map<string, CheckRow>();
  for (const row of rows.filter((r) => inScope(rule, r.platform, r.shop)))
    latest.set(`${row.platform}\u0000${row.shop}\u0000${row.day}`, row);
  const shops = new Map<string, { platform: string; shop: string; days: CheckRow[] }>();
  for (const row of latest.values()) {
    const key = `${row.platform}\u0000${row.shop}`;
    const entry = shops.get(key) ?? { platform: row.platform, shop: row.shop, days: [] };
    if (row.outcome === "persists") entry.days.push(row);
    shops.set(key, entry);
  }
  return [...shops.values()].map(({ platform, shop, days }) => ({
    subject: shop,
    platform,
    shop,
    sku: null,
    value: days.length,
    threshold: rule.minDays,
    breached: days.length >= rule.minDays,
    cleared: days.length < rule.minDays - rule.hysteresis || days.length === 0,
    summary: days.length
      ? `Numbers don't match at ${shop}: ${days
          .map((d) => `${d.day} ours ${d.ours_after_count} vs ${d.theirs_count} on ${platform}`)
          .join("; ")} (after a re-fetch)`
      : `Numbers at ${shop} match ${platform}'s`,
    details: {
      shop,
      days: days.map((d) => d.day).join(","),
      ours: days.map((d) => d.ours_after_count).join(","),
      theirs: days.map((d) => d.theirs_count).join(","),
    },
  }));
}

export async function measure(db: QuestDb, rule: Rule, now: number): Promise<Observation[]> {
  switch (rule.kind) {
    case "low_stock":
      return lowStock(db, rule, now);
    case "reorder_point":
      return reorderPoint(db, rule, now);
    case "stockout_eta":
      return stockoutEta(db, rule, now);
    case "no_orders":
      return noOrders(db, rule, now);
    case "revenue_drop":
      return revenueDrop(db, rule, now);
    case "conversion_drop":
      return conversionDrop(db, rule, now);
    case "numbers_mismatch":
      return numbersMismatch(db, rule, now);
    case "dispute_opened":
      return disputeOpened(db, rule, now);
    case "payout_failed":
      return payoutFailed(db, rule, now);
    case "payment_failures":
      return paymentFailures(db, rule, now);
    case "unshipped_after":
      return unshippedAfter(db, rule, now);
    case "late_deliveries":
      return lateDeliveries(db, rule, now);
    case "exception_rate":
      return exceptionRate(db, rule, now);
  }
}
