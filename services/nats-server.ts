import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, portOpen, waitFor } from "./ports.ts";
import { killProcess, spawnServer, stopProcess } from "./process.ts";

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  /** Stops the server; its JetStream store stays on disk for `start()`. */
  stop(): Promise<void>;
  /** A crash: SIGKILL, nothing flushed; the store stays for `start()`. */
  kill(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /**
   * Freezes the server (SIGSTOP) and resolves once the kernel says it is stopped: a request sent
   * after that is answered only after `resume()`, so a client's request timeout fires for certain.
   */
  pause(): Promise<void>;
  resume(): void;
}

/** Runs Debian's `nats-server` with JetStream and its own store directory under `dir`. */
export async function startNatsServer({
  dir,
  port,
  config,
  env = {},
}: {
  dir: string;
  port?: number;
  /** A nats-server config file (users, permissions); the flags here still set address, port and store. */
  config?: string;
  /** Extra environment, e.g. the passwords a config file names as `$VARIABLE`. */
  env?: Record<string, string>;
}): Promise<NatsServer> {
  const listen = port ?? (await freePort());
  const storeDir = join(dir, "jetstream");
  mkdirSync(storeDir, { recursive: true });
  let child: ChildProcess | undefined;

  const start = async () => {
    const binary = process.env.NATS_SERVER_BIN ?? "nats-server";
    child = spawnServer(
      binary,
      [...(config ? ["-c", config] : []), "-a", "127.0.0.1", "-p", String(listen), "-js", "-sd", storeDir],
      { ...process.env, ...env },
      join(dir, "nats.log"),
    );
    const failed = new Promise<never>((_, reject) =>
      child!.once("error", (err) =>
        reject(new Error(`cannot run ${binary}: ${err.message} (see services/bootstrap.sh)`)),
      ),
    );
    await Promise.race([waitFor(`nats-server on :${listen}`, () => portOpen(listen), 15_000), failed]);
  };
  const stop = async () => {
    if (child) await stopProcess(child);
    child = undefined;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${listen}`,
    port: listen,
    start,
    stop,
    kill: async () => {
      if (child) await killProcess(child);
      child = undefined;
    },
    restart: async () => {
      await stop();
      await start();
    },
    pause: async () => {
      const pid = child?.pid;
      if (pid === undefined) throw new Error("nats-server is not running");
      child!.kill("SIGSTOP");
      await waitFor(`nats-server ${pid} stopped`, async () => processState(pid) === "T", 5_000);
    },
    resume: () => child?.kill("SIGCONT"),
  };
}

/** The state letter of /proc/<pid>/stat (R running, S sleeping, T stopped…). */
function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
}
