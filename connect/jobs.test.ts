import { describe, expect, it } from "vitest";
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

describe("one job per key", () => {
  it("does not start a key twice, and stop waits for the job to end", async () => {
    const jobs = new KeyedJobs();
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
    const jobs = new KeyedJobs();
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
