import { describe, expect, it } from "vitest";
import { DEFAULT_FORECAST_SETTINGS, forecast, locationLevels, velocity, type SaleLine } from "./forecast.ts";

const H = 3_600_000;
const NOW = Date.parse("2026-11-25T12:00:00Z");
const ago = (hours: number) => NOW - hours * H;
const S = DEFAULT_FORECAST_SETTINGS; // lead 7 d, z 1.65, cap ×3, 7-day window

describe("velocity", () => {
  it("steady: 2 units every hour for a week is 2 units/hour on both windows", () => {
    const lines: SaleLine[] = Array.from({ length: 168 }, (_, k) => ({ at: ago(k + 0.5), quantity: 2 }));
    const v = velocity(lines, NOW, S);
    expect(v).toMatchObject({ perHour: 2, rate24h: 2, rate7d: 2, burstCap: 6 });
    expect(v.daily).toEqual([48, 48, 48, 48, 48, 48, 48]);
  });

  it("bursty: a 40-unit bulk order among 1-unit lines counts as 3 (3 × median 1)", () => {
    const lines: SaleLine[] = Array.from({ length: 84 }, (_, k) => ({ at: ago(2 * k + 1), quantity: 1 }));
    lines.push({ at: ago(30), quantity: 40 });
    const v = velocity(lines, NOW, S);
    // 84 steady units (12 a day) + 3 counted of the bulk line on day 1.
    expect(v.daily).toEqual([12, 15, 12, 12, 12, 12, 12]);
    expect(v.rate24h).toBeCloseTo(12 / 24, 12);
    expect(v.rate7d).toBeCloseTo(87 / 168, 12);
    expect(v.perHour).toBeCloseTo(87 / 168, 12);
  });

  it("a surge of ordinary orders today is demand: the 24 h rate wins", () => {
    const lines: SaleLine[] = Array.from({ length: 48 }, (_, k) => ({ at: ago(k / 2 + 0.1), quantity: 1 }));
    const v = velocity(lines, NOW, S);
    expect(v.rate24h).toBe(2); // 48 units in the last 24 h
    expect(v.rate7d).toBeCloseTo(48 / 168, 12);
    expect(v.perHour).toBe(2);
  });

  it("zero sales: zero velocity and no cap", () => {
    expect(velocity([], NOW, S)).toEqual({
      perHour: 0,
      rate24h: 0,
      rate7d: 0,
      burstCap: 0,
      daily: [0, 0, 0, 0, 0, 0, 0],
    });
    // Lines older than the window don't count either.
    expect(velocity([{ at: ago(24 * 8), quantity: 5 }], NOW, S).perHour).toBe(0);
  });
});

describe("levels", () => {
  it("restock: the newest report replaces the old level, sales after it are subtracted", () => {
    const reports = [
      { locationId: "L1", inventoryItemId: "I1", available: 5, at: ago(48) },
      { locationId: "L1", inventoryItemId: "I1", available: 50, at: ago(20) },
    ].slice(1); // the forecaster passes only each location's latest report
    const lines = [ago(40), ago(30), ago(10), ago(5)].map((at) => ({ at, quantity: 1 }));
    expect(locationLevels(reports, lines)).toEqual([
      {
        locationId: "L1",
        inventoryItemId: "I1",
        reported: 50,
        reportedAt: ago(20),
        unreportedSold: 2,
        available: 48,
        asOf: ago(5),
      },
    ]);
  });

  it("two locations: unreported sales come off the location that reported last, once", () => {
    const reports = [
      { locationId: "A", inventoryItemId: "I", available: 10, at: ago(3) },
      { locationId: "B", inventoryItemId: "I", available: 7, at: ago(1) },
      { locationId: "C", inventoryItemId: "I", available: null, at: ago(0.5) }, // not tracked there
    ];
    const lines = [
      { at: ago(2), quantity: 4 }, // before B's report: already in some report
      { at: ago(0.25), quantity: 3 },
    ];
    const levels = locationLevels(reports, lines);
    expect(levels.map((l) => [l.locationId, l.available, l.unreportedSold])).toEqual([
      ["A", 10, 0],
      ["B", 4, 3],
    ]);
  });
});

describe("forecast", () => {
  it("steady: ETA = available / velocity, reorder point = velocity × lead time (σ = 0)", () => {
    const lines = Array.from({ length: 168 }, (_, k) => ({ at: ago(k + 0.5), quantity: 2 }));
    // 101 reported 45 min ago; the 2-unit line 30 min ago is not in it yet → 99.
    const levels = locationLevels(
      [{ locationId: "L", inventoryItemId: "I", available: 101, at: ago(0.75) }],
      lines,
    );
    const f = forecast(levels, lines, NOW, S);
    expect(f.available).toBe(99);
    expect(f.etaHours).toBe(49.5);
    expect(f.stockoutAt).toBe(NOW + 49.5 * H);
    expect(f.dailySigma).toBe(0);
    expect(f.safetyStock).toBe(0);
    expect(f.reorderPoint).toBe(336); // 2/h × 24 h × 7 d
  });

  it("bursty: σ of daily demand [12,15,12,12,12,12,12] is 3/√7, so safety stock is 1.65 × 3 = 4.95", () => {
    const lines: SaleLine[] = Array.from({ length: 84 }, (_, k) => ({ at: ago(2 * k + 1), quantity: 1 }));
    lines.push({ at: ago(30), quantity: 40 });
    // 60 reported 10 h ago; 1-unit lines at 9, 7, 5, 3, 1 h ago since → 55 (the bulk order was before).
    const levels = locationLevels(
      [{ locationId: "L", inventoryItemId: "I", available: 60, at: ago(10) }],
      lines,
    );
    const f = forecast(levels, lines, NOW, S);
    expect(f.available).toBe(55);
    expect(f.etaHours).toBeCloseTo((55 * 168) / 87, 9);
    expect(f.dailySigma).toBeCloseTo(3 / Math.sqrt(7), 12);
    expect(f.safetyStock).toBeCloseTo(4.95, 12);
    expect(f.reorderPoint).toBeCloseTo(87 + 4.95, 9); // (87/168)/h × 168 h + 4.95
  });

  it("zero sales: no ETA, reorder point 0; out of stock: ETA 0", () => {
    const levels = locationLevels([{ locationId: "L", inventoryItemId: "I", available: 10, at: ago(5) }], []);
    expect(forecast(levels, [], NOW, S)).toMatchObject({
      available: 10,
      etaHours: null,
      stockoutAt: null,
      reorderPoint: 0,
    });
    const empty = locationLevels([{ locationId: "L", inventoryItemId: "I", available: 0, at: ago(5) }], []);
    expect(forecast(empty, [], NOW, S)).toMatchObject({ available: 0, etaHours: 0 });
    expect(forecast([], [], NOW, S)).toMatchObject({ available: null, etaHours: null });
  });
});
