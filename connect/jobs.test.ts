import { describe, expect, it } from "vitest";
import { eventually } from "../test/support/eventually.ts";
import { KeyedJobs } from "./jobs.ts";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A job that runs until aborted, counting its starts. */
function counter() {
  const starts: string[] = [];
  const run = (key: string) => (signal: AbortSignal) => {
    starts.push(key);
    return new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  };
  return { starts, run };
}

/** The jobs above handle their own ends: a failure reported here is a test failure. */
const unexpected = (key: string, err: unknown) => {
  throw new Error(`job ${key} failed: ${String(err)}`);
};

describe("one job per key", () => {
  it("does not start a key twice, and stop waits for the job to end", async () => {
    const jobs = new KeyedJobs({ onFailure: unexpected });
    const { starts, run } = counter();
    jobs.start("a", run("a"));
    jobs.start("a", run("a"));
    jobs.start("b", run("b"));
    expect(starts).toEqual(["a", "b"]);
    await jobs.stop("a", "test");
    expect(jobs.isRunning("a")).toBe(false);
    expect(jobs.isRunning("b")).toBe(true);
    jobs.start("a", run("a"));
    expect(starts).toEqual(["a", "b", "a"]);
    await jobs.stopAll("test");
    expect(jobs.isRunning("a") || jobs.isRunning("b")).toBe(false);
  });

  it("restarts after the delay, and a stop before then cancels the restart", async () => {
    const jobs = new KeyedJobs({ onFailure: unexpected });
    const { starts, run } = counter();
    jobs.retry("a", 20, run("a"));
    jobs.retry("b", 20, run("b"));
    await jobs.stop("b", "uninstalled");
    expect(starts).toEqual([]);
    await tick(80);
    expect(starts).toEqual(["a"]);
    await jobs.stopAll("test");
  });
});

describe("a job that throws instead of handling its failure", () => {
  it("is reported and started again after the retry delay, with no unhandled rejection", async () => {
    const failures: [string, unknown][] = [];
    const jobs = new KeyedJobs({ onFailure: (key, err) => failures.push([key, err]), retryMs: 20 });
    let starts = 0;
    const blip = new Error("kv read failed");
    const run = async (signal: AbortSignal) => {
      starts++;
      if (starts === 1) throw blip;
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    };
    jobs.start("shop", run);
    await eventually(async () => expect(starts).toBe(2), { timeoutMs: 5000, intervalMs: 10 });
    expect(failures).toEqual([["shop", blip]]);
    expect(jobs.isRunning("shop")).toBe(true);
    await jobs.stopAll("test");
  });

  it("is not reported or restarted when it threw because it was stopped", async () => {
    const failures: unknown[] = [];
    const jobs = new KeyedJobs({ onFailure: (_key, err) => failures.push(err), retryMs: 1 });
    let starts = 0;
    jobs.start("shop", (signal) => {
      starts++;
      return new Promise<void>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    });
    await jobs.stop("shop", "uninstalled");
    expect(failures).toEqual([]);
    expect(jobs.isRunning("shop")).toBe(false);
    expect(starts).toBe(1);
  });
});
