import { createHash } from "node:crypto";
import type { DemoOrder } from "../../adapter.ts";
import type { Webhook } from "../../../demo/feed.ts";
import { orderTotals } from "../../../demo/specs.ts";
import { Random } from "../../../demo/random.ts";
import { Schedule } from "../../../demo/schedule.ts";
import {
  chargeObject,
  disputeObject,
  payoutObject,
  stripeEvent,
  stripeId,
  type DemoCharge,
} from "./payloads.ts";

/**
 * What happens on the demo's Stripe account, in time order: each order it takes is charged its total
 * seconds after payment (`charge.succeeded`); about one in twenty is partly refunded a few hours to
 * days later, and an order cancelled after payment is refunded in full (`charge.refunded`, whose
 * `amount_refunded` is the running total, as Stripe's is); one charge in `DISPUTE_EVERY` is disputed
 * two days on (`charge.dispute.created`); and every day's captures less refunds and fees are paid out
 * per currency two days later (`payout.paid`), as Stripe's standard daily schedule does. An order
 * cancelled before its charge is never charged. A pure function of the seed and the orders told.
 */

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;
/** Which charges are disputed: the 4th, then every 250th (a dispute soon after start, and now and then). */
export const DISPUTE_EVERY = 250;
/** Stripe's standard card pricing (2.9 % + 30 minor units), taken off the payouts. */
const feeOf = (amountMinor: number) => Math.round(amountMinor * 0.029) + 30;

interface ChargeState extends DemoCharge {
  refundedMinor: number;
}

export interface StripeAccountOptions {
  seed: number;
  /** The shop's site as its gateway puts it in the metadata (WooCommerce's `site_url`), by platform. */
  siteUrl(order: DemoOrder): string | null;
}

const orderKey = (order: DemoOrder) => `${order.platform}:${order.shop}:${order.spec.orderNumber}`;

export class StripeAccount {
  private readonly schedule = new Schedule<() => Webhook[]>();
  private readonly charges = new Map<string, ChargeState>();
  private readonly cancelledAt = new Map<string, number>();
  /** Per "currency:day": what that day's payout will carry, and whether it is scheduled. */
  private readonly balances = new Map<string, number>();
  private chargeCount = 0;

  private readonly options: StripeAccountOptions;

  constructor(options: StripeAccountOptions) {
    this.options = options;
  }

  private random(order: DemoOrder): Random {
    const digest = createHash("sha256")
      .update(`${this.options.seed}:${orderKey(order)}`)
      .digest();
    return new Random(digest.readUInt32BE(0));
  }

  orderPaid(order: DemoOrder, paidAt: number): void {
    const r = this.random(order);
    const chargeAt = paidAt + r.int(SECOND, 8 * SECOND);
    const charge: ChargeState = {
      id: stripeId("ch", this.options.seed, orderKey(order)),
      order,
      amountMinor: orderTotals(order.spec).total,
      createdAt: paidAt,
      siteUrl: this.options.siteUrl(order),
      refundedMinor: 0,
    };
    this.schedule.push(chargeAt, () => this.charged(charge, chargeAt));
    if (r.chance(0.05)) {
      const at = chargeAt + r.int(6 * HOUR, 3 * DAY);
      const part = Math.max(1, Math.round((charge.amountMinor * r.int(20, 50)) / 100));
      this.schedule.push(at, () => this.refund(charge, at, charge.refundedMinor + part));
    }
  }

  orderCancelled(order: DemoOrder, at: number): void {
    this.cancelledAt.set(orderKey(order), at);
    const refundAt = at + 5 * SECOND;
    this.schedule.push(refundAt, () => {
      const charge = this.charges.get(orderKey(order));
      return charge ? this.refund(charge, refundAt, charge.amountMinor) : [];
    });
  }

  /** Every webhook due up to `until`, in time order. */
  advance(until: number): Webhook[] {
    const out: Webhook[] = [];
    for (let next = this.schedule.popDue(until); next; next = this.schedule.popDue(until))
      out.push(...next.item());
    return out;
  }

  private charged(charge: ChargeState, at: number): Webhook[] {
    const cancelled = this.cancelledAt.get(orderKey(charge.order));
    if (cancelled !== undefined && cancelled <= at) return [];
    this.charges.set(orderKey(charge.order), charge);
    this.credit(charge.order.currency, at, charge.amountMinor - feeOf(charge.amountMinor));
    if (this.chargeCount++ % DISPUTE_EVERY === 3) {
      const disputeAt = at + 2 * DAY;
      this.schedule.push(disputeAt, () => this.disputed(charge, disputeAt));
    }
    const object = chargeObject(charge, 0);
    return [webhook(stripeId("evt", charge.id, "succeeded"), "charge.succeeded", object, at)];
  }

  /** Refunds up to `cumulativeMinor` of the charge in all (never past its amount, never twice). */
  private refund(charge: ChargeState, at: number, cumulativeMinor: number): Webhook[] {
    const total = Math.min(charge.amountMinor, cumulativeMinor);
    if (!this.charges.has(orderKey(charge.order)) || total <= charge.refundedMinor) return [];
    this.credit(charge.order.currency, at, charge.refundedMinor - total);
    charge.refundedMinor = total;
    const object = chargeObject(charge, total);
    return [webhook(stripeId("evt", charge.id, "refunded", total), "charge.refunded", object, at)];
  }

  private disputed(charge: ChargeState, at: number): Webhook[] {
    const open = charge.amountMinor - charge.refundedMinor;
    if (open <= 0) return [];
    const object = disputeObject(charge, open, at);
    return [webhook(stripeId("evt", object.id, "created"), "charge.dispute.created", object, at)];
  }

  /** Adds to the balance the payout of `at`'s day carries, scheduling that payout the first time. */
  private credit(currency: string, at: number, minor: number): void {
    const day = Math.floor(at / DAY);
    const key = `${currency}:${day}`;
    const known = this.balances.has(key);
    this.balances.set(key, (this.balances.get(key) ?? 0) + minor);
    if (known) return;
    const payoutAt = (day + 2) * DAY + 2 * HOUR;
    this.schedule.push(payoutAt, () => {
      const amount = this.balances.get(key) ?? 0;
      if (amount <= 0) return [];
      const object = payoutObject(stripeId("po", this.options.seed, key), amount, currency, payoutAt);
      return [webhook(stripeId("evt", object.id, "paid"), "payout.paid", object, payoutAt)];
    });
  }
}

function webhook(eventId: string, type: string, object: object, at: number): Webhook {
  // Stripe sends its events pretty-printed; the body is fixed here, so a redelivery is byte-identical.
  const body = JSON.stringify(stripeEvent(eventId, type, object, at), null, 2);
  return { at, topic: type, eventId, webhookId: eventId, render: () => body };
}
