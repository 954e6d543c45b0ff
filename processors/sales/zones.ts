import { sqlString, type QuestDb } from "../../core/questdb.ts";
import { wallClock as zoneClock } from "../../core/zoned.ts";

/**
 * Zones are applied by QuestDB (`to_timezone`, `to_utc`) in the dashboards, but named by people and
 * platforms and checked here with Intl. The two zone databases do not agree on every name: QuestDB
 * reads `Etc/GMT-5` as UTC, silently. So a zone is used only once QuestDB's local time for it matches
 * Intl's at a summer and a winter instant.
 */
const PROBES = [Date.parse("2026-01-15T12:00:00Z"), Date.parse("2026-07-15T12:00:00Z")];

/** Local wall-clock time in `zone` at `ms`, written as if it were UTC (what `to_timezone` returns). */
export function wallClock(ms: number, zone: string): string {
  const c = zoneClock(zone, ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${c.year}-${two(c.month)}-${two(c.day)}T${two(c.hour)}:${two(c.minute)}:${two(c.second)}.000000Z`;
}

export class ZoneCheck {
  private readonly db: QuestDb;
  private readonly verdicts = new Map<string, boolean>();

  constructor(db: QuestDb) {
    this.db = db;
  }

  /** True when QuestDB and Intl both know `zone` and agree on its local time. */
  async agrees(zone: string): Promise<boolean> {
    const known = this.verdicts.get(zone);
    if (known !== undefined) return known;
    let expected: string[];
    try {
      expected = PROBES.map((ms) => wallClock(ms, zone));
    } catch {
      this.verdicts.set(zone, false);
      return false;
    }
    const result = await this.db.exec<string[]>(
      `SELECT ${PROBES.map((ms, i) => `to_timezone(cast(${ms * 1000} as timestamp), ${sqlString(zone)}) p${i}`).join(", ")}`,
    );
    const verdict = JSON.stringify(result.dataset[0]) === JSON.stringify(expected);
    this.verdicts.set(zone, verdict);
    return verdict;
  }
}
