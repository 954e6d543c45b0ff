import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";

const running = new Set<ChildProcess>();
const killAll = () => {
  for (const child of running) child.kill("SIGKILL");
};
// A test run or start command that dies must not leave servers holding ports on the machine.
process.once("exit", killAll);
// Vitest ends a worker that overran with a signal, which skips "exit"; its servers must go with it.
// (Services and the start command handle their signals themselves, for a graceful drain.)
if (process.env.VITEST) {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(128 + (signal === "SIGTERM" ? 15 : 2));
    });
  }
}

/**
 * Starts a long-lived server process with its output in a log file (a test's console stays readable),
 * or on our own console with `"inherit"`.
 */
export function spawnServer(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  output: string,
): ChildProcess {
  const inherit = output === "inherit";
  const child = spawn(command, args, {
    env,
    stdio: ["ignore", inherit ? "inherit" : "pipe", inherit ? "inherit" : "pipe"],
  });
  if (!inherit) {
    const log = createWriteStream(output, { flags: "a" });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL if the process hasn't exited after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Hard kill, for fault tests that model a crash rather than a shutdown. */
export async function killProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
}
