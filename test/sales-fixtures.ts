import { seededRandom } from "../core/seeded-random.ts";
import type { WooOrderSpec } from "./fakes/woocommerce/store.ts";
import { orderTotals, type OrderSpec } from "./support/shopify-webhooks.ts";

/**
 * Generated shop traffic for the live-sales tests, and the expected figures computed from it without
 * any of the code under test: local dates and times come from Intl (the runtime's tz database), sums
 * are done here over the generated specs.
 */

export const MINUTE = 60_000;

export const random = seededRandom;

// ---- local time, independently of QuestDB ----

const formats = new Map<string, Intl.DateTimeFormat>();
function format(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formats.set(tz, f);
  }
  return f;
}

export interface LocalTime {
  date: string; // YYYY-MM-DD
  minuteOfDay: number;
  second: number;
}

export function local(ms: number, tz: string): LocalTime {
  const parts = Object.fromEntries(
    format(tz)
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute),
    second: Number(parts.second),
  };
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The UTC instant of a local wall-clock time; the earlier one when the clock repeats (DST ends). */
export function localToUtc(date: string, minuteOfDay: number, tz: string): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const asUtc = Date.UTC(y, m - 1, d, Math.floor(minuteOfDay / 60), minuteOfDay % 60);
  const offsetAt = (ms: number) => {
    const l = local(ms, tz);
    const [ly, lm, ld] = l.date.split("-").map(Number) as [number, number, number];
    return Date.UTC(ly, lm - 1, ld, 0, l.minuteOfDay, l.second) - Math.floor(ms / 1000) * 1000;
  };
  const candidates = [
    ...new Set([asUtc - offsetAt(asUtc - 12 * 3_600_000), asUtc - offsetAt(asUtc + 12 * 3_600_000)]),
  ]
    .filter((ms) => {
      const l = local(ms, tz);
      return l.date === date && l.minuteOfDay === minuteOfDay;
    })
    .sort((a, b) => a - b);
  if (!candidates.length) throw new Error(`${date} ${minuteOfDay} does not exist in ${tz}`);
  return candidates[0]!;
}

// ---- generated traffic ----

export interface ShopSpec {
  platform: "shopify" | "woocommerce";
  shop: string;
  tz: string;
  currency: string;
  seed: number;
  /** Product id offset, so the two shops' ids never collide. */
  base: bigint;
}

export interface GeneratedOrder {
  spec: OrderSpec;
  createdMs: number;
  cancelledMs: number | null;
  total: number;
  items: number;
  test: boolean;
}

export interface GeneratedRefund {
  id: bigint;
  orderId: bigint;
  createdMs: number;
  amount: number;
}

export interface GeneratedCheckout {
  id: bigint;
  createdMs: number;
  totalCents: number;
}

export interface ShopTraffic {
  shop: ShopSpec;
  orders: GeneratedOrder[];
  refunds: GeneratedRefund[];
  checkouts: GeneratedCheckout[];
}

const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
export { iso };

const SKUS = [
  "TEE-RED-M",
  "TEE-BLUE-L",
  "MUG-CLASSIC",
  "CAP-BLACK",
  "SOCKS-3PK",
  "HOODIE-GREY",
  "POSTER-A2",
  "TOTE-BAG",
];

/**
 * Orders through the store's local day (busier in the afternoon), some cancelled later, some refunded
 * (a few of those cancelled too), a few test orders, and about two checkouts started per order.
 */
export function generateTraffic(shop: ShopSpec, fromMs: number, toMs: number, perHour = 4): ShopTraffic {
  const rnd = random(shop.seed);
  const orders: GeneratedOrder[] = [];
  const refunds: GeneratedRefund[] = [];
  const checkouts: GeneratedCheckout[] = [];
  let nextId = shop.base;
  for (let hour = fromMs; hour < toMs; hour += 3_600_000) {
    const localHour = Math.floor(local(hour, shop.tz).minuteOfDay / 60);
    const rate = perHour * (localHour < 7 ? 0.3 : localHour < 12 ? 1 : localHour < 20 ? 1.6 : 0.7);
    const count = Math.floor(rate + rnd());
    for (let i = 0; i < count; i++) {
      const createdMs = hour + Math.floor(rnd() * 3600) * 1000;
      if (createdMs >= toMs) continue;
      const id = ++nextId;
      const lines = Array.from({ length: 1 + Math.floor(rnd() * 3) }, (_, j) => ({
        id: id * 10n + BigInt(j),
        priceCents: 500 + Math.floor(rnd() * 60) * 50,
        quantity: 1 + Math.floor(rnd() * 3),
        sku: SKUS[Math.floor(rnd() * rnd() * SKUS.length)]!,
        discountCents: rnd() < 0.2 ? 100 : 0,
      }));
      const test = rnd() < 0.03;
      const cancelledMs = !test && rnd() < 0.06 ? createdMs + Math.floor(1 + rnd() * 30 * 60) * 60_000 : null;
      const spec: OrderSpec = {
        id,
        createdAt: iso(createdMs),
        currency: shop.currency,
        lines,
        shippingCents: rnd() < 0.5 ? 499 : 0,
        taxCents: Math.floor(rnd() * 300),
        test,
        customerId: null,
      };
      const total = orderTotals(spec).total;
      orders.push({
        spec,
        createdMs,
        cancelledMs,
        total,
        items: lines.reduce((s, l) => s + l.quantity, 0),
        test,
      });
      const refundRoll = rnd();
      if (refundRoll < 0.07 || (cancelledMs !== null && refundRoll < 0.5)) {
        const refundMs = (cancelledMs ?? createdMs) + Math.floor(5 + rnd() * 48 * 60) * 60_000 + 17_000;
        const amount = cancelledMs !== null ? total : Math.max(100, Math.floor(total * rnd() * 0.5));
        refunds.push({ id: id * 1000n + 1n, orderId: id, createdMs: refundMs, amount });
      }
      checkouts.push({
        id: id * 1000n + 7n,
        createdMs: createdMs - 60_000 * (1 + Math.floor(rnd() * 20)),
        totalCents: total,
      });
    }
    // Checkouts that never became orders.
    const abandoned = Math.floor(rate * 1.2 + rnd());
    for (let i = 0; i < abandoned; i++) {
      const id = ++nextId;
      checkouts.push({
        id: id * 1000n + 9n,
        createdMs: hour + Math.floor(rnd() * 3600) * 1000,
        totalCents: 2500,
      });
    }
  }
  return { shop, orders, refunds, checkouts: checkouts.filter((c) => c.createdMs >= fromMs) };
}

/**
 * The traffic a WooCommerce store sends: orders and cancellations only. WooCommerce has no test
 * orders and no checkout webhooks, and a refund's time is the modification that carried it, so the
 * generated refunds are left out.
 */
export function asWooCommerce(t: ShopTraffic): ShopTraffic {
  return {
    shop: t.shop,
    orders: t.orders.map((o) => ({ ...o, test: false, spec: { ...o.spec, test: false } })),
    refunds: [],
    checkouts: [],
  };
}

/** A generated order as the fake WooCommerce store holds it (same lines, amounts and times). */
export function wooOrderSpec(o: GeneratedOrder): WooOrderSpec {
  return {
    id: Number(o.spec.id),
    currency: o.spec.currency,
    createdAt: o.spec.createdAt,
    lines: o.spec.lines.map((line, i) => ({
      id: Number(line.id),
      productId: 100 + i,
      ...(line.sku ? { sku: line.sku } : {}),
      quantity: line.quantity,
      unitMinor: line.priceCents,
      discountMinor: line.discountCents ?? 0,
    })),
    shippingMinor: o.spec.shippingCents ?? 0,
    taxMinor: o.spec.taxCents ?? 0,
  };
}

export function checkoutPayload(c: GeneratedCheckout, currency: string): Record<string, unknown> {
  const amount = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
  return {
    id: Number(c.id),
    token: `tok${c.id}`,
    cart_token: `cart${c.id}`,
    email: "jane.doe.pii@example.com",
    created_at: iso(c.createdMs),
    updated_at: iso(c.createdMs),
    completed_at: null,
    currency,
    presentment_currency: currency,
    total_price: amount(c.totalCents),
    subtotal_price: amount(c.totalCents),
    total_tax: "0.00",
    line_items: [],
    billing_address: { first_name: "Jane", last_name: "Doe" },
  };
}

// ---- expected figures ----

export interface Totals {
  ordersCreated: number;
  gross: number;
  ordersCancelled: number;
  cancelled: number;
  refunds: number;
  refunded: number;
  items: number;
  checkouts: number;
}

export const zeroTotals = (): Totals => ({
  ordersCreated: 0,
  gross: 0,
  ordersCancelled: 0,
  cancelled: 0,
  refunds: 0,
  refunded: 0,
  items: 0,
  checkouts: 0,
});

/** Totals of everything that counts at an instant accepted by `within`. */
export function totalsWhere(traffic: ShopTraffic, within: (ms: number) => boolean): Totals {
  const t = zeroTotals();
  const byId = new Map(traffic.orders.map((o) => [o.spec.id, o]));
  for (const o of traffic.orders) {
    if (o.test) continue;
    if (within(o.createdMs)) {
      t.ordersCreated += 1;
      t.gross += o.total;
      t.items += o.items;
    }
    if (o.cancelledMs !== null && within(o.cancelledMs)) {
      t.ordersCancelled += 1;
      t.cancelled += o.total;
      t.items -= o.items;
    }
  }
  for (const r of traffic.refunds) {
    const order = byId.get(r.orderId)!;
    if (order.test || order.cancelledMs !== null) continue;
    if (within(r.createdMs)) {
      t.refunds += 1;
      t.refunded += r.amount;
    }
  }
  for (const c of traffic.checkouts) if (within(c.createdMs)) t.checkouts += 1;
  return t;
}

/** Local midnight → the same wall-clock time as `nowMs`, `daysBack` days earlier, in whole minutes. */
export function spanFilter(nowMs: number, tz: string, daysBack: number): (ms: number) => boolean {
  const now = local(nowMs, tz);
  const day = addDays(now.date, -daysBack);
  return (ms) => {
    const l = local(ms, tz);
    return l.date === day && l.minuteOfDay < now.minuteOfDay;
  };
}

export function metrics(t: Totals, minorPerUnit = 100) {
  const revenue = t.gross - t.cancelled;
  const orders = t.ordersCreated - t.ordersCancelled;
  return {
    revenue: revenue / minorPerUnit,
    orders,
    aov: orders > 0 ? revenue / minorPerUnit / orders : null,
    conversion: t.checkouts > 0 ? t.ordersCreated / t.checkouts : null,
    net: (revenue - t.refunded) / minorPerUnit,
  };
}

/** Every minute something happened in, with what counts there (test orders give all-zero windows). */
export function expectedWindows(traffic: ShopTraffic): Map<number, Totals> {
  const windows = new Map<number, Totals>();
  const at = (ms: number) => {
    const minute = Math.floor(ms / MINUTE) * MINUTE;
    let w = windows.get(minute);
    if (!w) windows.set(minute, (w = zeroTotals()));
    return w;
  };
  const byId = new Map(traffic.orders.map((o) => [o.spec.id, o]));
  for (const o of traffic.orders) {
    const created = at(o.createdMs);
    if (!o.test) {
      created.ordersCreated += 1;
      created.gross += o.total;
      created.items += o.items;
    }
    if (o.cancelledMs !== null) {
      const cancelled = at(o.cancelledMs);
      if (!o.test) {
        cancelled.ordersCancelled += 1;
        cancelled.cancelled += o.total;
        cancelled.items -= o.items;
      }
    }
  }
  for (const r of traffic.refunds) {
    const w = at(r.createdMs);
    const order = byId.get(r.orderId)!;
    if (order.test || order.cancelledMs !== null) continue;
    w.refunds += 1;
    w.refunded += r.amount;
  }
  for (const c of traffic.checkouts) at(c.createdMs).checkouts += 1;
  return windows;
}

/**
 * Cumulative revenue (minor units) through the local day `daysBack` before now's, for shops of one
 * currency: each shop's minutes moved onto today's axis by whole days of its own zone, minutes that
 * land on the same instant added, today's stopping at now.
 */
export function expectedCurve(shops: ShopTraffic[], nowMs: number, daysBack: number): [number, number][] {
  const byTime = new Map<number, number>();
  for (const t of shops) {
    const day = addDays(local(nowMs, t.shop.tz).date, -daysBack);
    for (const [minute, w] of expectedWindows(t)) {
      const l = local(minute, t.shop.tz);
      if (l.date !== day || (daysBack === 0 && minute >= nowMs)) continue;
      const time = daysBack ? localToUtc(addDays(l.date, daysBack), l.minuteOfDay, t.shop.tz) : minute;
      byTime.set(time, (byTime.get(time) ?? 0) + w.gross - w.cancelled);
    }
  }
  let cumulative = 0;
  return [...byTime]
    .sort(([a], [b]) => a - b)
    .map(([time, revenue]): [number, number] => [time, (cumulative += revenue)]);
}
