import { setTimeout as sleep } from "node:timers/promises";
import { isFatal } from "./crash.ts";
import type { Logger } from "./log.ts";

export interface WaitOptions {
  log: Logger;
  /** The first pause after a failed attempt; each later one doubles, up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs one start-up request (a consumer's info, a KV bucket, the rows that rebuild a cache) until a
 * dependency answers it. A service restarted into a backlog, or on a loaded machine, sees requests
 * miss their timeout (NATS's 5 s, QuestDB's 30 s) although nothing is wrong: such a failure is the
 * kind the crash handler survives (`isFatal` is false), and here it is waited out with back-off and
 * logged with what was waited for. Anything else (a refusal, a bug) is thrown at once. `attempt` must
 * be safe to repeat: it is run again from the start after a failure.
 *
 * @example
 * const info = await untilAnswered("consumer orders on EVENTS", () => jsm.consumers.info("EVENTS", "orders"), { log });
 */
export async function untilAnswered<T>(
  what: string,
  attempt: () => Promise<T>,
  { log, firstDelayMs = 500, maxDelayMs = 15_000 }: WaitOptions,
): Promise<T> {
  const started = Date.now();
  for (let failures = 0; ; failures++) {
    try {
      const result = await attempt();
      if (failures > 0)
        log.info(
          { waitedFor: what, attempts: failures + 1, waitedMs: Date.now() - started },
          "start-up went on",
        );
      return result;
    } catch (err) {
      if (isFatal(err)) throw err;
      const retryInMs = Math.min(maxDelayMs, firstDelayMs * 2 ** failures);
      log.warn(
        {
          waitingFor: what,
          attempt: failures + 1,
          retryInMs,
          err: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        },
        "start-up waiting for a dependency",
      );
      await sleep(retryInMs);
    }
  }
}
