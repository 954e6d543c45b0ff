import { buildCatalogue, type Product } from "./catalogue.ts";
import type { Feed, FeedFactory, Webhook } from "./feed.ts";
import { Random } from "./random.ts";
import { rhythm } from "./rhythm.ts";
import { Schedule } from "./schedule.ts";
import {
  orderTotals,
  type LineSpec,
  type OrderSpec,
  type RefundSpec,
  type ShopContext,
  type Shopper,
} from "./specs.ts";

export type { Webhook } from "./feed.ts";

/**
 * A simulated store: shoppers start checkouts, about a third of them buy, some pay later,
 * a few cancel or return; stock runs down with every order and a restock lands a day or two after
 * a product passes its reorder point; now and then a product goes viral. The whole store is a pure
 * function of its options: the same seed and start replay the same webhooks, byte for byte. What
 * the webhooks look like is the feed's business (each source's demo outlet has one).
 */

export interface DemoStoreOptions {
  seed: number;
  /** Average orders per minute over a week (the rhythm moves them around the day and week). */
  ordersPerMinute: number;
  /** The instant the simulation starts (the oldest history). */
  start: number;
  shop: string;
  currency?: string;
  timeZone?: string;
  /** Instants at which a product goes viral. */
  viralAt?: number[];
  /** The platform the shop runs on: its outlet's feed (platforms/<name>/demo/). */
  feed: FeedFactory;
  /** Sales tax or VAT added to the lines (default New York's 8.875 %). */
  taxRate?: number;
  /** Shipping charged below `freeShippingFromMinor` of lines (defaults 5.99 and 75.00). */
  shippingMinor?: number;
  freeShippingFromMinor?: number;
}

export const CHECKOUT_CONVERSION = 0.35;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Rank of the product that goes viral: a mid-catalogue product, so its spike stands out. */
export const VIRAL_RANK = 14;
const VIRAL_PEAK = 40;

const FIRST = ["Avery", "Jordan", "Riley", "Morgan", "Casey", "Quinn", "Rowan", "Sage", "Emery", "Parker"];
const LAST = ["Lee", "Patel", "Garcia", "Nguyen", "Smith", "Kowalski", "Okafor", "Rossi", "Silva", "Berg"];
const CITIES = [
  ["Brooklyn", "New York", "NY", "11201"],
  ["Austin", "Texas", "TX", "73301"],
  ["Portland", "Oregon", "OR", "97201"],
  ["Denver", "Colorado", "CO", "80202"],
  ["Chicago", "Illinois", "IL", "60601"],
] as const;

type Due = () => Webhook[];

/** How much extra demand the viral product has `sinceStart` ms into its episode: a fast rise, a slow fade. */
export function viralBoost(sinceStart: number): number {
  if (sinceStart < 0 || sinceStart > 16 * HOUR) return 0;
  const rise = 45 * MINUTE;
  if (sinceStart < rise) return (VIRAL_PEAK * sinceStart) / rise;
  return VIRAL_PEAK * 0.5 ** ((sinceStart - rise) / (2.5 * HOUR));
}

export class DemoStore {
  readonly catalogue: Product[];
  readonly ctx: ShopContext;
  private readonly options: DemoStoreOptions;
  private readonly feed: Feed;
  private readonly taxRate: number;
  private readonly random: Random;
  private readonly schedule = new Schedule<Due>();
  private readonly stock: number[];
  private readonly restocking = new Set<number>();
  private readonly customers: number[] = [];
  private nextMinute: number;
  private orderNumber = 1001;

  constructor(options: DemoStoreOptions) {
    this.options = options;
    this.random = new Random(options.seed);
    this.catalogue = buildCatalogue(options.seed, options.ordersPerMinute);
    this.stock = this.catalogue.map((p) => p.initialStock);
    this.ctx = {
      shop: options.shop,
      currency: options.currency ?? "USD",
      timeZone: options.timeZone ?? "America/New_York",
      locationId: 65_000_000_000 + (options.seed % 1000),
    };
    this.feed = options.feed({ seed: options.seed, ctx: this.ctx });
    this.taxRate = options.taxRate ?? 0.08875;
    this.nextMinute = Math.floor(options.start / MINUTE) * MINUTE;
  }

  /** Units on hand now, by SKU. */
  stockLevels(): Map<string, number> {
    return new Map(this.catalogue.map((p, i) => [p.sku, this.stock[i]!]));
  }

  /** Every webhook due up to `until`, in time order; the store's state moves on to `until`. */
  advance(until: number): Webhook[] {
    const out: Webhook[] = [];
    for (;;) {
      // Strictly in time order, so advancing in small steps (live) and in one go (a replay after a
      // restart) draw the same random numbers in the same order. A minute's shoppers are drawn as
      // the minute begins; each then acts at its own second.
      if (this.nextMinute <= until && this.nextMinute <= this.schedule.nextAt()) {
        this.startMinute(this.nextMinute);
        this.nextMinute += MINUTE;
        continue;
      }
      const due = this.schedule.popDue(until);
      if (!due) return out;
      out.push(...due.item());
    }
  }

  /** Demand weight of each product at an instant (the viral product's weight grows during an episode). */
  weights(at: number): number[] {
    const boost = (this.options.viralAt ?? []).reduce((sum, start) => sum + viralBoost(at - start), 0);
    return this.catalogue.map((p) => (p.rank === VIRAL_RANK ? p.popularity * (1 + boost) : p.popularity));
  }

  private startMinute(minute: number): void {
    const weights = this.weights(minute);
    const demand = weights.reduce((a, b) => a + b, 0); // 1 outside viral episodes
    const lambda =
      (this.options.ordersPerMinute / CHECKOUT_CONVERSION) * rhythm(minute, this.ctx.timeZone) * demand;
    const count = Math.min(999, this.random.poisson(lambda));
    for (let k = 0; k < count; k++) {
      const at = minute + this.random.int(0, MINUTE - 1);
      const lines = this.pickLines(weights);
      const shopper = this.shopper();
      const checkoutId = 30_000_000_000_000 + (minute / MINUTE) * 1000 + k;
      this.schedule.push(at, () => this.checkoutWebhooks(at, checkoutId, lines, shopper));
      if (this.random.chance(CHECKOUT_CONVERSION)) {
        const orderAt = at + this.random.int(2 * MINUTE, 9 * MINUTE);
        const orderId = 5_500_000_000_000 + (minute / MINUTE) * 1000 + k;
        this.schedule.push(orderAt, () => this.placeOrder(orderAt, orderId, checkoutId, lines, shopper));
      }
    }
  }

  private pickLines(weights: number[]): { product: Product; quantity: number }[] {
    const lineCount = [1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4][this.random.int(0, 11)]!;
    const lines: { product: Product; quantity: number }[] = [];
    for (let i = 0; i < lineCount; i++) {
      const product = this.catalogue[this.random.weighted(weights)]!;
      if (lines.some((l) => l.product === product)) continue;
      const roll = this.random.next();
      lines.push({ product, quantity: roll < 0.8 ? 1 : roll < 0.95 ? 2 : 3 });
    }
    return lines;
  }

  private shopper(): Shopper {
    const returning = this.customers.length > 20 && this.random.chance(0.35);
    let id: number;
    if (returning) id = this.random.pick(this.customers);
    else {
      id = 7_200_000_000_000 + this.random.int(0, 999_999_999);
      if (this.customers.length < 5000) this.customers.push(id);
    }
    const r = new Random(id % 2 ** 32);
    const [city, province, provinceCode, zip] = r.pick(CITIES);
    const firstName = r.pick(FIRST);
    const lastName = r.pick(LAST);
    return {
      id,
      firstName,
      lastName,
      email: `${firstName}.${lastName}.${id % 100_000}@example.com`.toLowerCase(),
      city,
      province,
      provinceCode,
      zip,
      ordersCount: returning ? 2 : 1,
    };
  }

  private checkoutWebhooks(
    at: number,
    checkoutId: number,
    lines: { product: Product; quantity: number }[],
    shopper: Shopper,
  ): Webhook[] {
    return this.feed.checkoutStarted({
      checkoutId,
      createdAt: at,
      shopper,
      lines: lines.map((l, i) => ({ ...l, lineId: checkoutId * 10 + i, discountCents: 0 })),
    });
  }

  /** The shopper pays: lines whose product sold out meanwhile are dropped (no order if none is left). */
  private placeOrder(
    at: number,
    orderId: number,
    checkoutId: number,
    wanted: { product: Product; quantity: number }[],
    shopper: Shopper,
  ): Webhook[] {
    const r = this.random;
    const inStock = wanted.filter((l) => this.stock[l.product.rank - 1]! >= l.quantity);
    if (!inStock.length) return [];
    const discountCode = r.chance(0.15) ? "WELCOME10" : null;
    const lines: LineSpec[] = inStock.map((l, i) => ({
      ...l,
      lineId: orderId * 10 + i,
      discountCents: discountCode ? Math.round(l.product.priceCents * l.quantity * 0.1) : 0,
    }));
    const lineTotal = lines.reduce((a, l) => a + l.product.priceCents * l.quantity - l.discountCents, 0);
    const paid = r.chance(0.88);
    const spec: OrderSpec = {
      orderId,
      orderNumber: this.orderNumber++,
      checkoutId,
      createdAt: at,
      updatedAt: at,
      cancelledAt: null,
      financialStatus: paid ? "paid" : "pending",
      lines,
      discountCode,
      discountCents: 0,
      shippingCents:
        lineTotal >= (this.options.freeShippingFromMinor ?? 7500) ? 0 : (this.options.shippingMinor ?? 599),
      taxCents: Math.round(lineTotal * this.taxRate),
      shopper,
      refunds: [],
    };
    const out = this.feed.orderPlaced(spec);

    for (const line of lines) this.moveStock(line.product, -line.quantity, at + r.int(1000, 4000));

    if (paid) {
      const paidAt = at + r.int(1000, 5000);
      this.schedule.push(paidAt, () => this.feed.orderPaid({ ...spec, updatedAt: paidAt }));
      if (r.chance(0.02)) {
        const cancelAt = at + r.int(20 * MINUTE, 6 * HOUR);
        this.schedule.push(cancelAt, () => this.cancel(spec, cancelAt, true));
      } else if (r.chance(0.05)) {
        const refundAt = at + r.int(DAY, 5 * DAY);
        this.schedule.push(refundAt, () => this.refundOneLine(spec, refundAt));
      }
    } else if (r.chance(0.75)) {
      const paidAt = at + r.int(2 * HOUR, 30 * HOUR);
      this.schedule.push(paidAt, () =>
        this.feed.orderPaid({ ...spec, financialStatus: "paid", updatedAt: paidAt }),
      );
    } else {
      const cancelAt = at + r.int(48 * HOUR, 72 * HOUR);
      this.schedule.push(cancelAt, () => this.cancel(spec, cancelAt, false));
    }
    return out;
  }

  /** A cancellation puts the goods back on the shelf; a paid order's money goes back in a refund. */
  private cancel(order: OrderSpec, at: number, wasPaid: boolean): Webhook[] {
    const refunds: RefundSpec[] = [];
    if (wasPaid) {
      const refund: RefundSpec = {
        refundId: order.orderId * 10 + 7,
        orderId: order.orderId,
        createdAt: at,
        lines: order.lines.map((l) => ({
          lineId: l.lineId,
          product: l.product,
          quantity: l.quantity,
          subtotalCents: l.product.priceCents * l.quantity - l.discountCents,
        })),
        amountCents: orderTotals(order).total,
        transactionId: order.orderId * 10 + 8,
      };
      refunds.push(refund);
    }
    const cancelled: OrderSpec = {
      ...order,
      updatedAt: at + 1000,
      cancelledAt: at,
      financialStatus: wasPaid ? "refunded" : "voided",
      refunds,
    };
    const out = this.feed.orderCancelled(cancelled, refunds[0]);
    for (const line of order.lines) this.moveStock(line.product, line.quantity, at + 2000);
    return out;
  }

  private refundOneLine(order: OrderSpec, at: number): Webhook[] {
    const line = order.lines[this.random.int(0, order.lines.length - 1)]!;
    const subtotal = line.product.priceCents * line.quantity - line.discountCents;
    const all = order.lines.length === 1;
    const refund: RefundSpec = {
      refundId: order.orderId * 10 + 7,
      orderId: order.orderId,
      createdAt: at,
      lines: [
        { lineId: line.lineId, product: line.product, quantity: line.quantity, subtotalCents: subtotal },
      ],
      amountCents: all ? orderTotals(order).total : subtotal + Math.round(subtotal * this.taxRate),
      transactionId: order.orderId * 10 + 8,
    };
    const updated: OrderSpec = {
      ...order,
      updatedAt: at + 1000,
      financialStatus: all ? "refunded" : "partially_refunded",
      refunds: [refund],
    };
    this.moveStock(line.product, line.quantity, at + 2000);
    return this.feed.orderRefunded(updated, refund);
  }

  /** Changes stock now and reports the new level when the platform would; a low level orders a restock. */
  private moveStock(product: Product, delta: number, reportAt: number): void {
    const i = product.rank - 1;
    this.stock[i] = this.stock[i]! + delta;
    const available = this.stock[i]!;
    this.schedule.push(reportAt, () => this.feed.stockChanged(product, available, reportAt));
    if (delta < 0 && available <= product.initialStock * 0.35 && !this.restocking.has(i)) {
      this.restocking.add(i);
      const arrives = reportAt + this.random.int(20 * HOUR, 44 * HOUR);
      this.schedule.push(arrives, () => {
        this.restocking.delete(i);
        this.stock[i] = this.stock[i]! + product.initialStock;
        return this.feed.stockChanged(product, this.stock[i]!, arrives);
      });
    }
  }
}
