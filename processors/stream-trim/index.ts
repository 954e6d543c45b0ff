import type { JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "../../core/log.ts";
import { EVENTS_STREAM } from "../../core/nats.ts";
import { trimAcknowledged, type TrimResult } from "./trim.ts";

export { trimAcknowledged } from "./trim.ts";

const INTERVAL_MS = 1000;
/** Trim down to half the limit: room for a burst, and half the limit of acknowledged history kept. */
const KEEP_SHARE = 0.5;

/**
 * Keeps room in EVENTS (bounded by EVENTS_MAX_BYTES, `discard: new`): every second, the messages
 * every consumer has acknowledged are removed once the stream is more than half full. Without it a
 * full stream would refuse orders until its messages aged out (7 days). Run by one replica; a failed
 * pass is logged and the next one tried.
 */
export function startStreamTrim(deps: { jsm: JetStreamManager; log: Logger; required: readonly string[] }): {
  stop(): Promise<void>;
} {
  let running: Promise<void> = Promise.resolve();
  let lastReport = "";
  const report = (result: TrimResult) => {
    if (result.kind === "trimmed") {
      deps.log.info(
        { stream: EVENTS_STREAM, upTo: result.upTo, removed: result.removed },
        "acknowledged events trimmed",
      );
      lastReport = "";
      return;
    }
    // Said once per state, not every second: a stream held back stays so until its consumer moves.
    const key = JSON.stringify(result);
    if (result.kind === "room" || key === lastReport) return;
    lastReport = key;
    deps.log.warn(
      { stream: EVENTS_STREAM, ...result },
      "stream over half full and nothing can be trimmed yet",
    );
  };
  let busy = false;
  const tick = () => {
    if (busy) return;
    busy = true;
    running = trimAcknowledged(deps.jsm, {
      stream: EVENTS_STREAM,
      required: deps.required,
      keepShare: KEEP_SHARE,
    })
      .then(report)
      .catch((err: unknown) =>
        deps.log.warn({ err: String(err) }, "stream not trimmed; trying again next second"),
      )
      .finally(() => {
        busy = false;
      });
  };
  const timer = setInterval(tick, INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
