import { describe, expect, it } from "vitest";
import { ScrollReports } from "./scroll-reports.ts";

describe("a view's scroll report", () => {
  const flush = { seq: 0, depth: 700, height: 1400, durationMs: 4000, left: false };
  const leave = { seq: 1, depth: 1200, height: 1500, durationMs: 9000, left: true };
  const expected = { seq: 1, depth: 1200, height: 1500, durationMs: 9000, left: true };

  it("is the same whichever of a view's batches came first", () => {
    const inOrder = new ScrollReports();
    inOrder.merge("s", "v", flush);
    expect(inOrder.merge("s", "v", leave)).toEqual(expected);
    const reversed = new ScrollReports();
    reversed.merge("s", "v", leave);
    expect(reversed.merge("s", "v", flush)).toEqual(expected);
  });

  it("keeps the deepest point though the page's latest height is the newer batch's", () => {
    const reports = new ScrollReports();
    reports.merge("s", "v", { seq: 0, depth: 2000, height: 2600, durationMs: 1000, left: false });
    // An infinite-scroll page cleared its list: shorter now, but the shopper had been further down.
    expect(
      reports.merge("s", "v", { seq: 1, depth: 900, height: 1200, durationMs: 3000, left: false }),
    ).toEqual({
      seq: 1,
      depth: 2000,
      height: 1200,
      durationMs: 3000,
      left: false,
    });
  });

  it("keeps sites apart though their view ids are the same", () => {
    const reports = new ScrollReports();
    reports.merge("s", "v", leave);
    expect(reports.merge("t", "v", flush)).toEqual(flush);
  });

  it("forgets the least recently merged view past its bound", () => {
    const reports = new ScrollReports(2);
    reports.merge("s", "a", leave);
    reports.merge("s", "b", leave);
    expect(reports.merge("s", "a", flush).left).toBe(true); // a is now the more recent
    reports.merge("s", "c", flush); // forgets b
    expect(reports.merge("s", "b", flush).left).toBe(false);
  });
});
