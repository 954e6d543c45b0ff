import type { Logger } from "./log.ts";

/** Runs `drain` once on SIGTERM/SIGINT, then exits; a second signal or a 10 s stall forces the exit. */
export function onShutdown(log: Logger, drain: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, "draining");
    setTimeout(() => {
      log.error("drain took over 10 s, exiting");
      process.exit(1);
    }, 10_000).unref();
    drain().then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err: String(err) }, "drain failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
