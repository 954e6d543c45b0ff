import { describe, expect, it } from "vitest";
import { ReplayGuard } from "./replay-guard.ts";

const H = 3_600_000;
const now = Date.parse("2026-12-01T12:00:00Z");
const at = (ms: number) => new Date(ms).toISOString();

describe("ReplayGuard", () => {
  it("lets a delivery through once; the same webhook id again is a duplicate", () => {
    const guard = new ReplayGuard();
    expect(guard.claim("w1", at(now - 1000), now)).toEqual({ ok: true });
    expect(guard.claim("w1", at(now - 1000), now + 5000)).toMatchObject({ ok: false, reason: "duplicate" });
    expect(guard.claim("w2", at(now), now)).toEqual({ ok: true });
  });

  it("lets a retry through after a failed attempt released its id", () => {
    const guard = new ReplayGuard();
    guard.claim("w1", at(now), now);
    guard.release("w1");
    expect(guard.claim("w1", at(now), now + 60_000)).toEqual({ ok: true });
  });

  it("refuses a delivery triggered before the window, or in the future, or without its headers", () => {
    const guard = new ReplayGuard({ windowMs: 5 * H });
    // Shopify's last retry comes about 4 hours after the trigger: still inside.
    expect(guard.claim("late-retry", at(now - 4 * H), now)).toEqual({ ok: true });
    expect(guard.claim("old", at(now - 5 * H - 1), now)).toMatchObject({ ok: false, reason: "stale" });
    expect(guard.claim("ahead", at(now + 10 * 60_000), now)).toMatchObject({ ok: false, reason: "future" });
    expect(guard.claim(undefined, at(now), now)).toMatchObject({ ok: false, reason: "missing" });
    expect(guard.claim("x", undefined, now)).toMatchObject({ ok: false, reason: "missing" });
    expect(guard.claim("x", "yesterday", now)).toMatchObject({ ok: false, reason: "missing" });
  });

  it("keeps memory bounded: ids past the window are dropped, and never more than maxIds", () => {
    const guard = new ReplayGuard({ windowMs: H, maxIds: 3 });
    for (const id of ["a", "b", "c", "d"]) guard.claim(id, at(now), now);
    expect(guard.size).toBe(3);
    guard.claim("e", at(now + 2 * H), now + 2 * H);
    expect(guard.size).toBe(1);
  });
});
