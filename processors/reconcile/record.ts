import { sqlString, type QuestDb } from "../../core/questdb.ts";
import type { LocalDay } from "./days.ts";
import type { OurFigures } from "./ours.ts";
import type { PlatformCount } from "../../platforms/adapter.ts";

export type Outcome = "match" | "fixed" | "persists";

export interface Check {
  platform: string;
  shop: string;
  day: LocalDay;
  currency: string | null;
  ours: OurFigures;
  theirs: PlatformCount;
  /** Events the re-fetch published (0 when nothing differed). */
  refetched: number;
  /** Our figures after the re-fetch; the first ones when there was none. */
  after: OurFigures;
  outcome: Outcome;
  checkedAt: Date;
}

const timestamp = (date: Date) => sqlString(date.toISOString());
const nullable = (value: number | null) => (value === null ? "NULL" : String(value));

/** One row of `reconciliation` per check: the dashboard's "differences found and fixed" read these. */
export async function recordCheck(db: QuestDb, check: Check): Promise<void> {
  await db.exec(
    `INSERT INTO reconciliation (checked_at, platform, shop, day, day_start, day_end, ours_count,
       theirs_count, ours_minor, theirs_minor, currency, refetched, ours_after_count, ours_after_minor, fixed, outcome)
     VALUES (${timestamp(check.checkedAt)}, ${sqlString(check.platform)}, ${sqlString(check.shop)},
       ${sqlString(check.day.day)}, ${timestamp(check.day.from)}, ${timestamp(check.day.to)},
       ${check.ours.orders}, ${check.theirs.orders}, ${check.ours.grossMinor}, ${nullable(check.theirs.grossMinor)},
       ${check.currency === null ? "NULL" : sqlString(check.currency)}, ${check.refetched},
       ${check.after.orders}, ${check.after.grossMinor}, ${check.outcome === "fixed"}, ${sqlString(check.outcome)})`,
  );
}
