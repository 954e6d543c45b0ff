import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnServer, killProcess, stopProcess } from "./process.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface NodeService {
  readonly name: string;
  start(): Promise<void>;
  /** Graceful: SIGTERM, the service drains. */
  stop(): Promise<void>;
  /** A crash: SIGKILL, nothing drains. */
  kill(): Promise<void>;
  readonly running: boolean;
  /** The running process's id (undefined before start), for tests that read its memory. */
  readonly pid: number | undefined;
  /** Hears every exit of the process; `requested` is true when `stop()` asked for it. */
  onExit(listener: (exit: ServiceExit) => void): void;
}

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  requested: boolean;
}

/**
 * One of our services (`ingest/main.ts`, …) as its own Node process, as in production, so tests
 * and the start command exercise the real wiring and can kill it mid-stream.
 */
export function nodeService(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  {
    output = "/dev/null",
    ready,
    nodeFlags = [],
  }: { output?: string; ready?: () => Promise<void>; nodeFlags?: readonly string[] } = {},
): NodeService {
  const args = [...nodeFlags, join(ROOT, entry)];
  return processService(name, () => spawnServer(process.execPath, args, env, output), {
    ...(ready ? { ready } : {}),
    ...(output.startsWith("/") && output !== "/dev/null" ? { logs: output } : {}),
  });
}

/**
 * Any long-lived process as a service the supervisor can watch: `launch` starts it (again on each
 * restart), `ready` says when it serves, `logs` is where a person looks when it exits while starting.
 */
export function processService(
  name: string,
  launch: () => ChildProcess,
  { ready, logs }: { ready?: () => Promise<void>; logs?: string } = {},
): NodeService {
  let child: ChildProcess | undefined;
  let stopping = false;
  const listeners: ((exit: ServiceExit) => void)[] = [];
  return {
    name,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    get pid() {
      return child?.pid;
    },
    onExit(listener) {
      listeners.push(listener);
    },
    async start() {
      stopping = false;
      const started = launch();
      child = started;
      started.once("exit", (code, signal) => {
        for (const listener of listeners) listener({ code, signal, requested: stopping });
      });
      const exited = new Promise<never>((_, reject) =>
        started.once("exit", (code) =>
          reject(new Error(`${name} exited with ${code} while starting${logs ? `; see ${logs}` : ""}`)),
        ),
      );
      exited.catch(() => undefined);
      if (ready) await Promise.race([ready(), exited]);
    },
    async stop() {
      stopping = true;
      if (child) await stopProcess(child);
    },
    async kill() {
      if (child) await killProcess(child);
    },
  };
}
