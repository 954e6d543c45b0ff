import type { Logger } from "../core/log.ts";
import type { NodeService, ServiceExit } from "./node-service.ts";

export interface SupervisorOptions {
  /** First restart delay; doubled for each crash in a row, up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** A service that ran this long before crashing starts again at `minDelayMs`. */
  stableMs?: number;
}

export interface ServiceStatus {
  state: "running" | "restarting" | "stopped";
  restarts: number;
  lastExit: { code: number | null; signal: string | null; at: string } | null;
}

export interface Supervisor {
  /** Per service: running or waiting to be restarted, and how often it was. */
  status(): Record<string, ServiceStatus>;
  /** Whether every supervised service is running. */
  healthy(): boolean;
  /** Stops restarting (call before stopping the services themselves). */
  stop(): void;
}

/**
 * What compose's `restart: unless-stopped` does, for the start command: a service that exits
 * without being asked is logged and started again with back-off, and `status()` says so meanwhile,
 * so a dead processor is seen instead of the dashboards silently standing still.
 */
export function supervise(
  services: readonly NodeService[],
  log: Logger,
  { minDelayMs = 1000, maxDelayMs = 30_000, stableMs = 60_000 }: SupervisorOptions = {},
): Supervisor {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const statuses = new Map<string, ServiceStatus>();

  for (const service of services) {
    const status: ServiceStatus = { state: "running", restarts: 0, lastExit: null };
    statuses.set(service.name, status);
    let crashesInRow = 0;
    let startedAt = Date.now();

    const restart = () => {
      service.start().then(
        () => {
          status.state = "running";
          startedAt = Date.now();
          log.info({ service: service.name, restarts: status.restarts }, "service restarted");
        },
        // A start that fails exits the child too: the exit listener below schedules the next try.
        (err: unknown) => log.error({ service: service.name, err: String(err) }, "service restart failed"),
      );
    };

    service.onExit((exit: ServiceExit) => {
      if (exit.requested || stopped) {
        status.state = "stopped";
        return;
      }
      if (Date.now() - startedAt >= stableMs) crashesInRow = 0;
      const delay = Math.min(maxDelayMs, minDelayMs * 2 ** crashesInRow);
      crashesInRow++;
      status.state = "restarting";
      status.restarts++;
      status.lastExit = { code: exit.code, signal: exit.signal, at: new Date().toISOString() };
      log.error(
        { service: service.name, code: exit.code, signal: exit.signal, restartInMs: delay },
        "service exited unexpectedly, restarting",
      );
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!stopped) restart();
      }, delay);
      timers.add(timer);
    });
  }

  return {
    status: () => Object.fromEntries([...statuses].map(([name, s]) => [name, { ...s }])),
    healthy: () => [...statuses.values()].every((s) => s.state === "running"),
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
