import { errors as natsErrors } from "@nats-io/transport-node";
import type { Logger } from "./log.ts";
import { QuestDbError } from "./questdb.ts";

/**
 * Errors that say a server we depend on is briefly away. The clients reconnect by themselves, so
 * a stray rejection of this kind is no reason to stop a service that is otherwise fine.
 */
const PASSING = [
  natsErrors.ConnectionError,
  natsErrors.ClosedConnectionError,
  natsErrors.DrainingConnectionError,
  natsErrors.TimeoutError,
  natsErrors.NoRespondersError,
  natsErrors.RequestError,
];

/** Whether an escaped error means the process can no longer be trusted to run on. */
export function isFatal(err: unknown): boolean {
  if (PASSING.some((type) => err instanceof type)) return false;
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
