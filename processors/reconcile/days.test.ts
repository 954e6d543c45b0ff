import { describe, expect, it } from "vitest";
import { localDays, shopZone } from "./days.ts";

describe("the store-local days a reconciliation checks", () => {
  it("follow the store's zone, a DST day included (worked out by hand)", () => {
    // New York left daylight time on Sunday 2026-11-01 at 02:00: that day ran from 04:00Z to 05:00Z next day.
    const until = Date.parse("2026-11-02T12:00:00Z");
    expect(localDays("America/New_York", until, 2)).toEqual([
      { day: "2026-11-02", from: new Date("2026-11-02T05:00:00Z"), to: new Date(until) },
      { day: "2026-11-01", from: new Date("2026-11-01T04:00:00Z"), to: new Date("2026-11-02T05:00:00Z") },
      { day: "2026-10-31", from: new Date("2026-10-31T04:00:00Z"), to: new Date("2026-11-01T04:00:00Z") },
    ]);
  });

  it("name today by the store's date, not UTC's", () => {
    // 02:00Z on Dec 1 is still Nov 30 in Chicago (UTC−6).
    const [today] = localDays("America/Chicago", Date.parse("2026-12-01T02:00:00Z"), 0);
    expect(today).toEqual({
      day: "2026-11-30",
      from: new Date("2026-11-30T06:00:00Z"),
      to: new Date("2026-12-01T02:00:00Z"),
    });
  });

  it("take an IANA zone first, then an offset, then UTC", () => {
    expect(shopZone({ timeZone: "Europe/London", utcOffsetMinutes: 0 })).toBe("Europe/London");
    expect(shopZone({ timeZone: null, utcOffsetMinutes: 330 })).toBe("+05:30");
    expect(shopZone(undefined)).toBe("UTC");
    const [kolkata] = localDays("+05:30", Date.parse("2026-12-01T20:00:00Z"), 0);
    expect(kolkata!.day).toBe("2026-12-02");
    expect(kolkata!.from).toEqual(new Date("2026-12-01T18:30:00Z"));
  });
});
