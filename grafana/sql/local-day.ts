/**
 * Store-local days in QuestDB SQL, for the sales dashboards. "Now" is the end of the dashboard's time
 * range, but never later than the clock, so the default range (today) compares up to this minute and a
 * range ending in the past compares as of that moment. "Today" runs from the store's local midnight to
 * now; "same time yesterday" from yesterday's local midnight to the same wall-clock time yesterday;
 * likewise seven days back. QuestDB's `to_timezone` / `to_utc` apply the zone's rules, so a 23- or
 * 25-hour DST day is counted as the store's day.
 *
 * `zone` is SQL for an IANA zone: a quoted dashboard variable for one shop (`'${tz}'`), or a column
 * (`s.timezone`) when every row carries its own shop's zone, so shops in different zones each count
 * their own day in one query.
 */
export const NOW = "least(now(), $__toTime)";

const localNow = (zone: string) => `to_timezone(${NOW}, ${zone})`;

/** The UTC instant of the store's local midnight `daysBack` days before today. */
export function localDayStart(daysBack: number, zone: string): string {
  const midnight = `timestamp_floor('d', ${localNow(zone)})`;
  return `to_utc(${daysBack ? `dateadd('d', ${-daysBack}, ${midnight})` : midnight}, ${zone})`;
}

/** The UTC instant of the same local wall-clock time as now, `daysBack` days before. */
export function localSameTime(daysBack: number, zone: string): string {
  return daysBack ? `to_utc(dateadd('d', ${-daysBack}, ${localNow(zone)}), ${zone})` : NOW;
}

/** A UTC instant moved onto the local day `days` later, at the same wall-clock time (revenue curves). */
export function shiftLocalDays(ts: string, days: number, zone: string): string {
  return days ? `to_utc(dateadd('d', ${days}, to_timezone(${ts}, ${zone})), ${zone})` : ts;
}

/**
 * "Same day last year" is 52 weeks back (364 days), the retail convention: the same weekday, so a
 * Saturday is compared with a Saturday. sales_1m keeps two years, so the span is there.
 */
export const LAST_YEAR_DAYS = 364;

export const SPANS = [
  { daysBack: 0, label: "Today" },
  { daysBack: 1, label: "Same time yesterday" },
  { daysBack: 7, label: "Same time last week" },
  { daysBack: LAST_YEAR_DAYS, label: "Same time last year" },
] as const;

/** Relative change as a fraction; NULL when the base is zero or missing. */
export function change(now: string, base: string): string {
  return `CASE WHEN ${base} <> 0 THEN (cast(${now} AS double) - ${base}) / abs(${base}) END`;
}
