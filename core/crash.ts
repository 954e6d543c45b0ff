import type { Logger } from "./log.ts";
import { isStoreRefusal } from "./jetstream-errors.ts";
import { isNatsAway } from "./nats.ts";
import { QuestDbError } from "./questdb.ts";

/** Whether an escaped error means the process can no longer be trusted to run on. */
export function isFatal(err: unknown): boolean {
  // The broker briefly away: the client reconnects by itself.
  if (isNatsAway(err)) return false;
  // A full stream (EVENTS_MAX_BYTES): room comes back as the processors catch up.
  if (isStoreRefusal(err)) return false;
  if (err instanceof QuestDbError) return err.status !== undefined && err.status < 500;
  return true;
}

/**
 * Every service's last line of defence: a rejection nobody handled is logged with its service's
 * name; a passing outage is survived, anything else ends the process with status 1 after the log
 * line is written, for the supervisor (start, compose) to restart it in a known state.
 */
export function installCrashHandlers(log: Logger, exit: (code: number) => void = process.exit): void {
  const escaped = (kind: string) => (err: unknown) => {
    const fatal = kind === "uncaught exception" || isFatal(err);
    const fields = { err: err instanceof Error ? `${err.name}: ${err.message}` : String(err), kind };
    if (!fatal) {
      log.error(fields, "unhandled error from a dependency that is away; carrying on");
      return;
    }
    log.fatal(fields, "unhandled error, exiting");
    log.flush(() => exit(1));
  };
  process.on("unhandledRejection", escaped("unhandled rejection"));
  process.on("uncaughtException", escaped("uncaught exception"));
}
