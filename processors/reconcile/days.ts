import type { ShopInfo } from "../../core/events.ts";
import { offsetZone, wallClock, zonedInstant } from "../../core/zoned.ts";

/** One store-local day, as the instants it starts and ends at (a DST day has 23 or 25 hours). */
export interface LocalDay {
  /** `YYYY-MM-DD` in the store's zone. */
  day: string;
  from: Date;
  to: Date;
}

/** The zone a shop's days are counted in: its IANA zone, else its UTC offset, else UTC. */
export function shopZone(info: Pick<ShopInfo, "timeZone" | "utcOffsetMinutes"> | undefined): string {
  if (info?.timeZone) return info.timeZone;
  if (info?.utcOffsetMinutes != null) return offsetZone(info.utcOffsetMinutes);
  return "UTC";
}

/**
 * Today and the `days` before it in `timeZone`, newest first. Today ends at `until` (orders of the
 * last moments may still be on their way through the pipeline, so the caller leaves a margin).
 */
export function localDays(timeZone: string, until: number, days: number): LocalDay[] {
  const today = wallClock(timeZone, until);
  return Array.from({ length: days + 1 }, (_, back) => {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day - back));
    const next = new Date(Date.UTC(today.year, today.month - 1, today.day - back + 1));
    const midnight = (d: Date) =>
      zonedInstant(timeZone, {
        year: d.getUTCFullYear(),
        month: d.getUTCMonth() + 1,
        day: d.getUTCDate(),
        hour: 0,
        minute: 0,
        second: 0,
      });
    return {
      day: date.toISOString().slice(0, 10),
      from: new Date(midnight(date)),
      to: new Date(back === 0 ? until : midnight(next)),
    };
  });
}
