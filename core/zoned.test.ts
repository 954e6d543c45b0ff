import { describe, expect, it } from "vitest";
import { spanWeeksAgo, wallClock, zonedInstant } from "./zoned.ts";

describe("store-local spans", () => {
  it("starts today at the store's midnight and goes back whole weeks at the same wall time", () => {
    const now = Date.parse("2026-11-25T15:30:00Z"); // 16:30 in Berlin (CET, UTC+1)
    expect(spanWeeksAgo("Europe/Berlin", now, 0)).toEqual({
      from: Date.parse("2026-11-24T23:00:00Z"),
      to: now,
    });
    expect(spanWeeksAgo("Europe/Berlin", now, 1)).toEqual({
      from: Date.parse("2026-11-17T23:00:00Z"),
      to: Date.parse("2026-11-18T15:30:00Z"),
    });
  });

  it("keeps wall time across a DST change (Berlin: CEST until 25 October 2026)", () => {
    const now = Date.parse("2026-10-28T09:00:00Z"); // 10:00 CET
    // A week earlier is 10:00 CEST = 08:00 UTC, midnight CEST = 22:00 UTC the day before.
    expect(spanWeeksAgo("Europe/Berlin", now, 1)).toEqual({
      from: Date.parse("2026-10-20T22:00:00Z"),
      to: Date.parse("2026-10-21T08:00:00Z"),
    });
    expect(wallClock("Europe/Berlin", now)).toMatchObject({ hour: 10, weekday: 3 });
    expect(
      zonedInstant("America/New_York", { year: 2026, month: 3, day: 8, hour: 12, minute: 0, second: 0 }),
    ).toBe(Date.parse("2026-03-08T16:00:00Z"));
  });
});
