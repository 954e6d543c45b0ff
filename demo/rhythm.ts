/**
 * When shoppers buy, in the store's own time zone: quiet before dawn, a lunch bump, the evening
 * peak; Sundays and Mondays busier than Fridays and Saturdays. Both curves average 1, so a
 * store's average rate is what was asked for and the shape only moves orders around.
 */

/** Relative demand per local hour 0..23 (interpolated within the hour). Mean 1. */
export const HOURLY = normalise([
  0.35, 0.22, 0.14, 0.1, 0.09, 0.12, 0.25, 0.5, 0.8, 1.0, 1.1, 1.2, 1.4, 1.35, 1.2, 1.15, 1.2, 1.3, 1.5, 1.75,
  1.9, 1.8, 1.35, 0.8,
]);

/** Relative demand per local weekday, Monday first. Mean 1. */
export const WEEKDAY = normalise([1.05, 0.98, 0.96, 0.97, 0.88, 0.92, 1.24]);

function normalise(values: number[]): number[] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.map((v) => v / mean);
}

export interface LocalTime {
  /** Fractional hour of the day, 0 ≤ h < 24. */
  hour: number;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
}

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const formatters = new Map<string, Intl.DateTimeFormat>();

export function localTime(at: number, timeZone: string): LocalTime {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
    });
    formatters.set(timeZone, format);
  }
  let hour = 0;
  let minute = 0;
  let weekday = 0;
  for (const part of format.formatToParts(at)) {
    if (part.type === "hour") hour = Number(part.value);
    else if (part.type === "minute") minute = Number(part.value);
    else if (part.type === "weekday") weekday = WEEKDAYS.indexOf(part.value);
  }
  return { hour: hour + minute / 60, weekday };
}

/** Demand multiplier at an instant (mean 1 over a week). */
export function rhythm(at: number, timeZone: string): number {
  const { hour, weekday } = localTime(at, timeZone);
  const h = Math.floor(hour);
  const f = hour - h;
  const daily = HOURLY[h]! * (1 - f) + HOURLY[(h + 1) % 24]! * f;
  return daily * WEEKDAY[weekday]!;
}

/** Offset of the zone from UTC at an instant, as Shopify writes it in timestamps ("-05:00"). */
const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

export function utcOffset(at: number, timeZone: string): string {
  let format = offsetFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" });
    offsetFormatters.set(timeZone, format);
  }
  const name = format.formatToParts(at).find((p) => p.type === "timeZoneName")?.value;
  const match = /GMT([+-]\d{2}):?(\d{2})?/.exec(name ?? "");
  return match ? `${match[1]}:${match[2] ?? "00"}` : "+00:00";
}

/** An instant written the way Shopify writes it: local wall time with the shop's offset, no millis. */
export function shopifyTime(at: number, timeZone: string): string {
  const offset = utcOffset(at, timeZone);
  const sign = offset.startsWith("-") ? -1 : 1;
  const minutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  const local = new Date(Math.floor(at / 1000) * 1000 + minutes * 60_000).toISOString().slice(0, 19);
  return `${local}${offset}`;
}
