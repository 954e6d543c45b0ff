import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The handler in a real process: what escapes is logged; a passing NATS outage is survived, anything
 * else ends the process with status 1 once its log line is out.
 */

const crashModule = fileURLToPath(new URL("./crash.ts", import.meta.url));
const logModule = fileURLToPath(new URL("./log.ts", import.meta.url));

function runScript(body: string): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  const script = `
    import { installCrashHandlers } from ${JSON.stringify(crashModule)};
    import { createLogger } from ${JSON.stringify(logModule)};
    import { errors } from "@nats-io/transport-node";
    const log = createLogger("crash-test");
    installCrashHandlers(log);
    // A listener added after the crash handler's runs after it: "still here" 200 ms later shows the
    // process outlived the handler, whatever the machine's load does to timers.
    const afterTheHandler = (reject) => {
      process.on("unhandledRejection", () =>
        setTimeout(() => { log.info("still here"); process.exit(0); }, 200),
      );
      reject();
    };
    ${body}
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      env: { ...process.env, LOG_LEVEL: "info" },
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      resolve({
        code,
        lines: out
          .split("\n")
          .filter((line) => line.startsWith("{"))
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      }),
    );
  });
}

describe("installCrashHandlers", () => {
  it("logs a NATS timeout nobody awaited and keeps the process running", async () => {
    const { code, lines } = await runScript(`
      afterTheHandler(() => void Promise.reject(new errors.TimeoutError()));
    `);
    expect(code).toBe(0);
    expect(lines.map((l) => l.msg)).toEqual([
      "unhandled error from a dependency that is away; carrying on",
      "still here",
    ]);
    expect(lines[0]!.err).toMatch(/^TimeoutError/);
  });

  it("survives a publish a full stream refused (JetStream code 10077) that nobody awaited", async () => {
    const { code, lines } = await runScript(`
      const { JetStreamApiError } = await import("@nats-io/jetstream");
      afterTheHandler(() =>
        void Promise.reject(new JetStreamApiError({ code: 503, err_code: 10077, description: "maximum bytes exceeded" })),
      );
    `);
    expect(code).toBe(0);
    expect(lines.map((l) => l.msg)).toEqual([
      "unhandled error from a dependency that is away; carrying on",
      "still here",
    ]);
  });

  it("logs any other unhandled rejection and exits with 1", async () => {
    const { code, lines } = await runScript(`
      void Promise.reject(new TypeError("undefined is not a function"));
      setTimeout(() => { log.info("should not be reached"); process.exit(0); }, 2000);
    `);
    expect(code).toBe(1);
    expect(lines.map((l) => l.msg)).toEqual(["unhandled error, exiting"]);
    expect(lines[0]).toMatchObject({
      level: 60,
      kind: "unhandled rejection",
      err: "TypeError: undefined is not a function",
    });
  });

  it("treats an uncaught exception as fatal whatever its type", async () => {
    const { code, lines } = await runScript(`setTimeout(() => { throw new errors.TimeoutError(); }, 10);`);
    expect(code).toBe(1);
    expect(lines[0]).toMatchObject({ kind: "uncaught exception" });
  });
});
