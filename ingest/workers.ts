import cluster from "node:cluster";
import { z } from "zod";
import type { Logger } from "../core/log.ts";

/** How many ingest processes share the port: one per core is the most that helps. */
export const workersEnv = z.object({
  INGEST_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
});

/**
 * Runs `serve` in `count` processes behind one listening port (node:cluster), or in this process
 * when `count` is 1. The kernel hands each connection to one worker (SCHED_NONE): the primary only
 * supervises, so it costs no CPU per request. A worker that crashes is replaced; SIGTERM is passed
 * on and the primary exits when every worker has drained.
 */
export async function runWorkers(count: number, log: Logger, serve: () => Promise<void>): Promise<void> {
  if (count === 1 || cluster.isWorker) {
    if (cluster.isWorker) {
      // A worker whose primary vanished (kill -9) would otherwise keep serving on its own; after a
      // SIGTERM the worker is draining already and a second signal would cut that short.
      let signalled = false;
      process.once("SIGTERM", () => (signalled = true));
      process.once("disconnect", () => signalled || process.kill(process.pid, "SIGTERM"));
    }
    return serve();
  }
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let stopping = false;
  const alive = new Set<number>();
  /**
   * Workers that got as far as listening: one that exits on its own before that failed at start (a
   * bad setting) and would again. One killed by a signal (kill -9, the OOM killer) is replaced.
   */
  const listened = new Set<number>();
  cluster.on("listening", (worker) => listened.add(worker.id));
  const fork = () => alive.add(cluster.fork().id);
  cluster.on("exit", (worker, code, signal) => {
    alive.delete(worker.id);
    if (stopping) {
      if (alive.size === 0) process.exit(0);
      return;
    }
    log.error({ worker: worker.process.pid, code, signal }, "ingest worker exited");
    if (!listened.has(worker.id) && signal === null) {
      log.fatal("ingest worker failed at start-up; stopping");
      process.exit(1);
    }
    fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal, workers: alive.size }, "stopping ingest workers");
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
    setTimeout(() => process.exit(1), 12_000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  for (let i = 0; i < count; i++) fork();
  log.info({ workers: count }, "ingest workers started");
}
