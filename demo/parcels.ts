import type { DemoOrder } from "../platforms/adapter.ts";
import type { Webhook } from "./feed.ts";
import { Random } from "./random.ts";
import { Schedule } from "./schedule.ts";

/**
 * What happens to a demo order's parcel once a shipper takes it, the same whichever shipper
 * renders it: a label bought minutes to hours after payment (now and then more than a day), a
 * carrier scan, and delivery in two to four days — about one parcel in ten after its ETA, one in a
 * hundred lost in an exception, one in a hundred sent back. A pure function of the seed and the
 * order, so a replay after a restart ships the same parcels.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export type ParcelStatus = "PRE_TRANSIT" | "TRANSIT" | "DELIVERED" | "RETURNED" | "FAILURE";

export interface ParcelPlan {
  labelAt: number;
  /** Which of the shipper's services (0 ground, 1 priority, 2 express). */
  service: 0 | 1 | 2;
  costMinor: number;
  trackingNumber: string;
  eta: number;
  /** Carrier scans, oldest first; the last is where the parcel ends up. */
  steps: { status: ParcelStatus; at: number }[];
}

const SERVICE_DAYS = [4, 3, 2] as const;
const SERVICE_COST = [
  [450, 900],
  [750, 1300],
  [1600, 2900],
] as const;

function orderSeed(seed: number, order: DemoOrder): number {
  let h = seed >>> 0;
  for (const c of `${order.platform}:${order.shop}:${order.spec.orderNumber}`)
    h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

/** `prefixes`: the tracking numbers' start per service (each carrier's own look). */
export function planParcel(
  seed: number,
  order: DemoOrder,
  paidAt: number,
  prefixes: readonly [string, string, string],
): ParcelPlan {
  const r = new Random(orderSeed(seed, order));
  const labelAt = paidAt + (r.chance(0.03) ? r.int(26 * HOUR, 40 * HOUR) : r.int(20 * MINUTE, 5 * HOUR));
  const roll = r.next();
  const service = roll < 0.6 ? 0 : roll < 0.9 ? 1 : 2;
  const [low, high] = SERVICE_COST[service];
  const eta = labelAt + SERVICE_DAYS[service] * DAY;
  const steps: ParcelPlan["steps"] = [
    { status: "PRE_TRANSIT", at: labelAt + r.int(MINUTE, 10 * MINUTE) },
    { status: "TRANSIT", at: labelAt + r.int(3 * HOUR, 12 * HOUR) },
  ];
  const fate = r.next();
  if (fate < 0.01) steps.push({ status: "FAILURE", at: labelAt + r.int(DAY, 2 * DAY) });
  else if (fate < 0.02) steps.push({ status: "RETURNED", at: eta + r.int(DAY, 3 * DAY) });
  else if (fate < 0.12) steps.push({ status: "DELIVERED", at: eta + r.int(4 * HOUR, 48 * HOUR) });
  else steps.push({ status: "DELIVERED", at: eta - r.int(HOUR, 30 * HOUR) });
  return {
    labelAt,
    service,
    costMinor: r.int(low, high),
    trackingNumber: `${prefixes[service]}${String(r.int(0, 999_999_999)).padStart(9, "0")}${String(order.spec.orderNumber).padStart(6, "0")}`,
    eta,
    steps,
  };
}

/**
 * A shipper's parcels in time order: each order's webhooks are scheduled when it is paid and taken
 * in time order by `advance`; an order cancelled before its label was bought is never shipped.
 */
export class ParcelQueue {
  private readonly schedule = new Schedule<{ key: string; labelAt: number; due: () => Webhook[] }>();
  private readonly cancelledAt = new Map<string, number>();

  static key(order: DemoOrder): string {
    return `${order.platform}:${order.shop}:${order.spec.orderNumber}`;
  }

  /**
   * `due` runs at `at` (the label's purchase, a scan, a notification) unless what `key` names (an
   * order, `ParcelQueue.key`) was cancelled before `labelAt`.
   */
  push(key: string, labelAt: number, at: number, due: () => Webhook[]): void {
    this.schedule.push(at, { key, labelAt, due });
  }

  cancel(order: DemoOrder, at: number): void {
    this.cancelledAt.set(ParcelQueue.key(order), at);
  }

  advance(until: number): Webhook[] {
    const out: Webhook[] = [];
    for (let next = this.schedule.popDue(until); next; next = this.schedule.popDue(until)) {
      const cancelled = this.cancelledAt.get(next.item.key);
      if (cancelled !== undefined && cancelled < next.item.labelAt) continue;
      out.push(...next.item.due());
    }
    return out;
  }
}
