import { createHash } from "node:crypto";
import type { Webhook } from "../../../demo/feed.ts";
import { Random } from "../../../demo/random.ts";
import { Schedule } from "../../../demo/schedule.ts";
import { orderTotals } from "../../../demo/specs.ts";
import type { DemoOrder } from "../../adapter.ts";
import { captureResource, paypalEvent, paypalId, refundResource, type DemoCapture } from "./payloads.ts";

/**
 * What happens on the demo's PayPal account, in time order: each order it takes is captured seconds
 * after payment (`PAYMENT.CAPTURE.COMPLETED`); about one in twenty-five is partly refunded hours to
 * days later and an order cancelled after payment gets the rest back (`PAYMENT.CAPTURE.REFUNDED`,
 * one refund resource each, as PayPal's are). An order cancelled before its capture is never
 * captured. A pure function of the seed and the orders told.
 */

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

interface CaptureState extends DemoCapture {
  refundedMinor: number;
  refunds: number;
}

const orderKey = (order: DemoOrder) => `${order.platform}:${order.shop}:${order.spec.orderNumber}`;

export class PayPalAccount {
  private readonly schedule = new Schedule<() => Webhook[]>();
  private readonly captures = new Map<string, CaptureState>();
  private readonly cancelledAt = new Map<string, number>();
  private readonly seed: number;

  constructor(seed: number) {
    this.seed = seed;
  }

  orderPaid(order: DemoOrder, paidAt: number): void {
    const digest = createHash("sha256")
      .update(`${this.seed}:${orderKey(order)}`)
      .digest();
    const r = new Random(digest.readUInt32BE(0));
    const at = paidAt + r.int(2 * SECOND, 10 * SECOND);
    const capture: CaptureState = {
      id: paypalId("capture", this.seed, orderKey(order)),
      order,
      amountMinor: orderTotals(order.spec).total,
      at,
      refundedMinor: 0,
      refunds: 0,
    };
    this.schedule.push(at, () => this.captured(capture));
    if (r.chance(0.04)) {
      const refundAt = at + r.int(4 * HOUR, 2 * DAY);
      const part = Math.max(1, Math.round((capture.amountMinor * r.int(10, 40)) / 100));
      this.schedule.push(refundAt, () => this.refund(capture, refundAt, part));
    }
  }

  orderCancelled(order: DemoOrder, at: number): void {
    this.cancelledAt.set(orderKey(order), at);
    const refundAt = at + 5 * SECOND;
    this.schedule.push(refundAt, () => {
      const capture = this.captures.get(orderKey(order));
      return capture ? this.refund(capture, refundAt, capture.amountMinor - capture.refundedMinor) : [];
    });
  }

  advance(until: number): Webhook[] {
    const out: Webhook[] = [];
    for (let next = this.schedule.popDue(until); next; next = this.schedule.popDue(until))
      out.push(...next.item());
    return out;
  }

  private captured(capture: CaptureState): Webhook[] {
    const cancelled = this.cancelledAt.get(orderKey(capture.order));
    if (cancelled !== undefined && cancelled <= capture.at) return [];
    this.captures.set(orderKey(capture.order), capture);
    const id = `WH-${paypalId("event", capture.id, "completed")}`;
    return [webhook(id, "PAYMENT.CAPTURE.COMPLETED", captureResource(capture), capture.at)];
  }

  private refund(capture: CaptureState, at: number, minor: number): Webhook[] {
    const amount = Math.min(minor, capture.amountMinor - capture.refundedMinor);
    if (!this.captures.has(orderKey(capture.order)) || amount <= 0) return [];
    capture.refundedMinor += amount;
    const refundId = paypalId("refund", capture.id, ++capture.refunds);
    const id = `WH-${paypalId("event", refundId, "refunded")}`;
    return [webhook(id, "PAYMENT.CAPTURE.REFUNDED", refundResource(capture, refundId, amount, at), at)];
  }
}

function webhook(eventId: string, type: string, resource: object, at: number): Webhook {
  const body = JSON.stringify(paypalEvent(eventId, type, resource, at));
  return { at, topic: type, eventId, webhookId: eventId, render: () => body };
}
