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
  { output = "/dev/null", ready }: { output?: string; ready?: () => Promise<void> } = {},
): NodeService {
  let child: ChildProcess | undefined;
  let stopping = false;
  const listeners: ((exit: ServiceExit) => void)[] = [];
  return {
    name,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    onExit(listener) {
      listeners.push(listener);
    },
    async start() {
      stopping = false;
      child = spawnServer(process.execPath, [join(ROOT, entry)], env, output);
      child.once("exit", (code, signal) => {
        for (const listener of listeners) listener({ code, signal, requested: stopping });
      });
      const exited = new Promise<never>((_, reject) =>
        child!.once("exit", (code) =>
          reject(
            new Error(
              `${name} exited with ${code} while starting${output.startsWith("/") && output !== "/dev/null" ? `; see ${output}` : ""}`,
            ),
          ),
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
