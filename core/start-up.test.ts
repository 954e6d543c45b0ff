import { errors as natsErrors } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { createLogger } from "./log.ts";
import { QuestDbError } from "./questdb.ts";
import { untilAnswered } from "./start-up.ts";

/** What is waited out (what the crash handler survives) and what is not. */

const log = createLogger("start-up-test", "silent");

function failingTimes<T>(errors: unknown[], result: T) {
  let calls = 0;
  const attempt = async () => {
    const err = errors[calls++];
    if (err !== undefined) throw err;
    return result;
  };
  return { attempt, calls: () => calls };
}

describe("untilAnswered", () => {
  it("repeats a request that timed out or found a dependency away until it is answered", async () => {
    const { attempt, calls } = failingTimes(
      [new natsErrors.TimeoutError(), new QuestDbError("QuestDB unreachable", undefined, "SELECT 1")],
      "answer",
    );
    await expect(untilAnswered("the test's request", attempt, { log, firstDelayMs: 1 })).resolves.toBe(
      "answer",
    );
    expect(calls()).toBe(3);
  });

  it("throws at once what no wait would change (a refusal, a bug)", async () => {
    const refused = new QuestDbError("QuestDB rejected query", 400, "CREATE TABLE");
    const { attempt, calls } = failingTimes([refused], "never");
    await expect(untilAnswered("the test's request", attempt, { log, firstDelayMs: 1 })).rejects.toBe(
      refused,
    );
    expect(calls()).toBe(1);
    const bug = failingTimes([new TypeError("x is not a function")], "never");
    await expect(untilAnswered("the test's request", bug.attempt, { log, firstDelayMs: 1 })).rejects.toThrow(
      TypeError,
    );
  });
});
