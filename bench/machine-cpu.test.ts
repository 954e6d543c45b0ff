import { describe, expect, it } from "vitest";
import { machineShare, machineTicks } from "./machine-cpu.ts";

describe("machine CPU from /proc/stat", () => {
  it("reads busy, idle and stolen ticks from the first line", () => {
    const before = machineTicks("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n");
    const after = machineTicks("cpu  300 0 150 1100 50 0 0 200 0 0\ncpu0 1 2 3\n");
    expect(before).toEqual({ total: 1000, idle: 850, steal: 0 });
    // 800 ticks passed: 300 busy (200 user + 100 system), 300 idle, 200 stolen.
    expect(machineShare(before, after)).toEqual({ busyPercent: 37.5, stealPercent: 25 });
  });

  it("reads this machine's", () => {
    const ticks = machineTicks();
    expect(ticks.total).toBeGreaterThan(ticks.idle);
  });
});
