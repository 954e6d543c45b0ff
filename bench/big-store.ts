import type { SalesStatus } from "../core/events.ts";
import type { QuestDb } from "../core/questdb.ts";
import { seededRandom } from "../core/seeded-random.ts";

/**
 * A realistic store history written through ILP (QuestDB's `/write`), newest day first so that a
 * time budget that runs out still leaves today and the recent days whole: many shops of Zipf-like
 * sizes, SKUs drawn from a Zipf distribution, a daily curve, 1–4 lines an order. Rows go to the
 * tables the sales dashboards read (`orders`, `order_lines`, `sales_facts`, `sales_1m`, `shops`),
 * with `labels` to `shipments`, `label_orders` and their parcels' `tracking_events`, and with
 * `payments` to `payments`.
 */
export interface StoreSpec {
  shops: number;
  skus: number;
  ordersPerDay: number;
  days: number;
  /** Stop after this many ms of generation (the figure says how many days it reached). */
  budgetMs: number;
  /** Start this many days back (0 = today): cold history is generated after the hot days. */
  firstDayBack?: number;
  /** The shops' zones, taken in turn (default: five whole-hour zones). */
  zones?: readonly string[];
  /**
   * Also a shipping label for this share of the orders (0–1), bought 1–48 hours after its order and
   * shipped within 12 hours of that, named by the order's number as shippers send it: the Fulfilment
   * panels' joins then have a realistic right-hand side. Each shipped parcel gets its carrier's
   * steps (tracking.ts's shape): in transit, then mostly delivered, some late, a few exceptions and
   * returns.
   */
  labels?: number;
  /** Also a Stripe capture for this share of the orders (0–1), seconds after it, naming its id. */
  payments?: number;
  /**
   * Every order's and line's status (default `sale`, as the processors store a paid order, so the
   * panels that count sales read them); `pending` keeps the generated orders out of those panels.
   */
  status?: SalesStatus;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const CARRIERS = ["ups", "usps", "fedex", "dhl_express"];
const ZONES = ["America/New_York", "Europe/London", "Europe/Berlin", "America/Los_Angeles", "UTC"];
const CURRENCIES = ["USD", "GBP", "EUR", "USD", "USD"];

export interface StoreShop {
  shop: string;
  platform: string;
  tz: string;
  currency: string;
  weight: number;
}

export function storeShops(count: number, zones: readonly string[] = ZONES): StoreShop[] {
  return Array.from({ length: count }, (_, i) => ({
    shop: `store-${String(i).padStart(3, "0")}.myshopify.com`,
    platform: i % 5 === 4 ? "woocommerce" : "shopify",
    tz: zones[i % zones.length]!,
    currency: CURRENCIES[i % CURRENCIES.length]!,
    weight: 1 / (i + 1) ** 0.8,
  }));
}

/** Cumulative weights for sampling index i with probability ∝ 1/(i+1)^s. */
function zipfCdf(n: number, s: number): Float64Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / (i + 1) ** s;
  for (let i = 0; i < n; i++) cdf[i]! /= sum;
  return cdf;
}

function sample(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

async function post(db: QuestDb, lines: string[]): Promise<void> {
  const response = await fetch(new URL("/write?precision=u", db.url), {
    method: "POST",
    headers: db.headers,
    body: lines.join(""),
  });
  if (!response.ok) throw new Error(`ILP write rejected: ${response.status} ${await response.text()}`);
}

export async function writeShops(db: QuestDb, shops: StoreShop[]): Promise<void> {
  await post(
    db,
    shops.map(
      (s) =>
        `shops,platform=${s.platform},shop=${s.shop},currency=${s.currency},source=bench timezone="${s.tz}",minor_per_unit=100i,updated_at=${Date.now() * 1000}t 0\n`,
    ),
  );
}

/** One day's rows (orders placed at random instants of a daily curve peaking mid-afternoon UTC). */
function dayRows(
  day0: number,
  spec: StoreSpec,
  shops: StoreShop[],
  shopCdf: Float64Array,
  skuCdf: Float64Array,
  seq: { n: number },
  rand: () => number,
  until: number,
) {
  const lines: string[] = [];
  const status = spec.status ?? "sale";
  const minutes = new Map<
    string,
    { orders: number; minor: number; items: number; shop: StoreShop; ts: number }
  >();
  for (let k = 0; k < spec.ordersPerDay; k++) {
    const hour = Math.min(23.99, Math.max(0, 14 + (rand() + rand() + rand() - 1.5) * 10));
    const at = day0 + Math.floor(hour * 3_600_000 + rand() * 60_000);
    if (at > until) continue;
    const shop = shops[sample(shopCdf, rand())]!;
    const id = ++seq.n;
    const lineCount = 1 + Math.floor(rand() * rand() * 4);
    let total = 0;
    let items = 0;
    for (let l = 0; l < lineCount; l++) {
      const sku = sample(skuCdf, rand());
      const qty = 1 + Math.floor(rand() * rand() * 3);
      const unit = 500 + ((sku * 7919) % 19_500);
      total += qty * unit;
      items += qty;
      lines.push(
        `order_lines,platform=${shop.platform},shop=${shop.shop},sku=SKU-${sku},currency=${shop.currency},status=${status} order_id="${id}",line_id="${id}-${l}",product_id="${sku}",variant_id="${sku}",quantity=${qty}i,unit_price_minor=${unit}i,total_minor=${qty * unit}i,test=f,updated_at=${at * 1000}t ${at * 1000}\n`,
      );
    }
    const us = at * 1000;
    const shipping = 500 + ((id * 131) % 1000);
    if (spec.labels && rand() < spec.labels) {
      lines.push(...labelRows(id, shop, at, shipping, rand, until));
    }
    if (spec.payments && rand() < spec.payments) lines.push(captureRow(id, shop, at, total, until));
    lines.push(
      `orders,platform=${shop.platform},shop=${shop.shop},status=${status},financial_status=paid,currency=${shop.currency} order_id="${id}",order_number="#${id}",order_ref="${id}",updated_at=${us}t,total_minor=${total}i,subtotal_minor=${total}i,tax_minor=0i,discount_minor=0i,shipping_minor=${shipping}i,line_count=${lineCount}i,item_count=${items}i,test=f,customer_key="c${id % 100_003}",received_at=${us}t ${us}\n`,
      `sales_facts,platform=${shop.platform},shop=${shop.shop},kind=order,currency=${shop.currency} id="${id}",order_id="${id}",amount_minor=${total}i,items=${items}i,test=f,updated_at=${us}t ${us}\n`,
    );
    const minute = Math.floor(at / 60_000) * 60_000;
    const key = `${shop.shop}|${minute}`;
    const m = minutes.get(key) ?? { orders: 0, minor: 0, items: 0, shop, ts: minute };
    m.orders++;
    m.minor += total;
    m.items += items;
    minutes.set(key, m);
  }
  for (const m of minutes.values()) {
    const s = m.shop;
    lines.push(
      `sales_1m,platform=${s.platform},shop=${s.shop},currency=${s.currency} orders_created=${m.orders}i,gross_minor=${m.minor}i,orders_cancelled=0i,cancelled_minor=0i,orders=${m.orders}i,revenue_minor=${m.minor}i,refunds=0i,refunds_minor=0i,net_minor=${m.minor}i,items=${m.items}i,checkouts=0i,computed_at=${m.ts * 1000}t ${m.ts * 1000}\n`,
    );
  }
  return { lines, minuteRows: minutes.size };
}

/**
 * A label for order `id` placed at `at`, as the shipment processor writes one: its `shipments` row
 * and its `label_orders` row beside that order; none if it would be bought after `until`.
 */
function labelRows(
  id: number,
  shop: StoreShop,
  at: number,
  shipping: number,
  rand: () => number,
  until: number,
): string[] {
  const bought = at + Math.floor((1 + rand() * 47) * HOUR_MS);
  if (bought > until) return [];
  const shipped = bought + Math.floor(rand() * 12 * HOUR_MS);
  const carrier = CARRIERS[Math.floor(rand() * CARRIERS.length)]!;
  const cost = 400 + Math.floor(rand() * 2000);
  const [b, s, o] = [bought * 1000, shipped * 1000, at * 1000];
  return [
    `shipments,shipper=shipstation,account=${shop.shop},carrier=${carrier},service=ground,currency=${shop.currency} shipment_id="s${id}",order_ref="${id}",tracking_number="1Z${id}",label_cost_minor=${cost}i,shipped_at=${s}t,is_return=f,updated_at=${b}t,received_at=${b}t ${b}\n`,
    `label_orders,shipper=shipstation,account=${shop.shop},platform=${shop.platform},shop=${shop.shop},order_currency=${shop.currency},currency=${shop.currency},carrier=${carrier} shipment_id="s${id}",order_id="${id}",tracking_number="1Z${id}",order_created_at=${o}t,order_test=f,label_cost_minor=${cost}i,is_return=f,updated_at=${b}t,shipping_minor=${shipping}i,shipped_at=${s}t ${b}\n`,
    ...trackingRows(`1Z${id}`, shop, carrier, shipped, rand, until),
  ];
}

/**
 * A parcel's steps: in transit within hours of shipping with an ETA two to four days on; then, of
 * those that got that far by `until`, 95 % delivered one to five days after shipping (late when past
 * the ETA), 3 % a delivery exception, 2 % returned to sender.
 */
function trackingRows(
  tracking: string,
  shop: StoreShop,
  carrier: string,
  shipped: number,
  rand: () => number,
  until: number,
): string[] {
  const transit = shipped + Math.floor((1 + rand() * 5) * HOUR_MS);
  if (transit > until) return [];
  const eta = (shipped + Math.floor((48 + rand() * 48) * HOUR_MS)) * 1000;
  const step = (at: number, status: string, extra = "") =>
    `tracking_events,shipper=shipstation,account=${shop.shop},status=${status},carrier=${carrier} tracking_number="${tracking}",eta=${eta}t${extra},updated_at=${at * 1000}t,received_at=${at * 1000}t ${at * 1000}\n`;
  const rows = [step(transit, "TRANSIT")];
  const end = shipped + Math.floor((24 + rand() * 96) * HOUR_MS);
  if (end > until) return rows;
  const fate = rand();
  if (fate < 0.95) rows.push(step(end, "DELIVERED", `,delivered_at=${end * 1000}t`));
  else rows.push(step(end, fate < 0.98 ? "FAILURE" : "RETURNED"));
  return rows;
}

/** A Stripe capture of the order's total, seconds after it, carrying its id as `metadata.order_id` does. */
function captureRow(id: number, shop: StoreShop, at: number, total: number, until: number): string {
  const paid = Math.min(at + 2_000 + (id % 30_000), until) * 1000;
  return `payments,processor=stripe,shop=acct_bench,kind=captured,currency=${shop.currency},status=succeeded,order_site=${shop.shop} object_id="ch_${id}",entry="",payment_id="pi_${id}",amount_minor=${total}i,fee_minor=${Math.round(total * 0.029) + 30}i,net_minor=${total - Math.round(total * 0.029) - 30}i,order_ref="${id}",updated_at=${paid}t,received_at=${paid}t ${paid}\n`;
}

export interface Generated {
  daysWritten: number;
  orders: number;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

/** Writes the days, newest first, two requests in flight; stops at the budget after a whole day. */
export async function generateStore(db: QuestDb, spec: StoreSpec, now = Date.now()): Promise<Generated> {
  const shops = storeShops(spec.shops, spec.zones);
  const shopCdf = zipfCdf(spec.shops, 0.8);
  const skuCdf = zipfCdf(spec.skus, 1.05);
  const rand = seededRandom(19 + (spec.firstDayBack ?? 0));
  const seq = { n: (spec.firstDayBack ?? 0) * spec.ordersPerDay * 2 };
  const started = performance.now();
  const today0 = Math.floor(now / DAY_MS) * DAY_MS;
  let rows = 0;
  let orders = 0;
  let days = 0;
  const inFlight: Promise<void>[] = [];
  for (let d = spec.firstDayBack ?? 0; d < (spec.firstDayBack ?? 0) + spec.days; d++) {
    if (performance.now() - started > spec.budgetMs) break;
    const before = seq.n;
    const { lines } = dayRows(today0 - d * DAY_MS, spec, shops, shopCdf, skuCdf, seq, rand, now);
    orders += seq.n - before;
    rows += lines.length;
    for (let i = 0; i < lines.length; i += 20_000) {
      inFlight.push(post(db, lines.slice(i, i + 20_000)));
      if (inFlight.length >= 2) await inFlight.shift();
    }
    days++;
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  return {
    daysWritten: days,
    orders,
    rows,
    seconds: Math.round(seconds),
    rowsPerSecond: Math.round(rows / seconds),
  };
}
