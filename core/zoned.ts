/**
 * Wall-clock arithmetic in a shop's time zone (shared by alerting and live sales), with the platform's Intl data (DST included):
 * "today so far" starts at the store's midnight and "same time last week" is the same wall time.
 */

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function wallClock(timeZone: string, at: number): WallClock {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS[parts.weekday as string] ?? 0,
  };
}

/** The instant a wall-clock time happens in `timeZone` (a time skipped by DST moves forward). */
export function zonedInstant(
  timeZone: string,
  w: Pick<WallClock, "year" | "month" | "day" | "hour" | "minute" | "second">,
): number {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  const offset = (t: number) => {
    const c = wallClock(timeZone, t);
    return Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second) - Math.floor(t / 1000) * 1000;
  };
  let guess = asUtc - offset(asUtc);
  guess = asUtc - offset(guess);
  return guess;
}

/** Store-local midnight → now, `weeksAgo` weeks back at the same wall times. */
export function spanWeeksAgo(timeZone: string, now: number, weeksAgo: number): { from: number; to: number } {
  const w = wallClock(timeZone, now);
  const date = new Date(Date.UTC(w.year, w.month - 1, w.day - 7 * weeksAgo));
  const day = { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
  const from = zonedInstant(timeZone, { ...day, hour: 0, minute: 0, second: 0 });
  const to =
    weeksAgo === 0
      ? now
      : zonedInstant(timeZone, { ...day, hour: w.hour, minute: w.minute, second: w.second });
  return { from, to };
}

/** A fixed offset as both QuestDB and Intl read it: `+05:30`, `-03:00`. */
export function offsetZone(minutesEast: number): string {
  const sign = minutesEast < 0 ? "-" : "+";
  const abs = Math.abs(minutesEast);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}
