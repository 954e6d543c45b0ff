import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createLogger } from "../core/log.ts";
import { eventually } from "../test/support/eventually.ts";
import { grafanaService } from "./grafana-server.ts";
import { findGrafana } from "./open-now.ts";
import { freePort } from "./ports.ts";
import { supervise } from "./supervise.ts";

/**
 * The wiring of a Grafana that `start` runs, checked with a stand-in: an executable named
 * `grafana` on PATH that records its argv and environment, reads the --config it was given the way
 * Grafana does ([server] http_addr / http_port) and answers /api/health there.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const bin = mkdtempSync(join(tmpdir(), "grafana-standin-"));
const record = join(bin, "calls.jsonl");
writeFileSync(
  join(bin, "grafana"),
  `#!/usr/bin/env node
const { appendFileSync, readFileSync } = require("node:fs");
const { createServer } = require("node:http");
const args = process.argv.slice(2);
const ini = readFileSync(args[args.indexOf("--config") + 1], "utf8");
const value = (key) => new RegExp("^" + key + " = (.*)$", "m").exec(ini)[1];
appendFileSync(${JSON.stringify(record)}, JSON.stringify({ args, env: process.env, ini }) + "\\n");
createServer((req, res) => {
  res.writeHead(req.url === "/api/health" ? 200 : 404, { "content-type": "application/json" });
  res.end('{"database":"ok"}');
}).listen(Number(value("http_port")), value("http_addr"));
process.on("SIGTERM", () => process.exit(0));
`,
);
chmodSync(join(bin, "grafana"), 0o755);
const calls = () =>
  readFileSync(record, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { args: string[]; env: Record<string, string>; ini: string });

const dir = mkdtempSync(join(tmpdir(), "grafana-data-"));
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A provisioning value as Grafana reads it: `$NAME` / `${NAME}` from its environment. */
const interpolate = (text: string, env: Record<string, string>) =>
  text.replace(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g, (_m, name: string) => env[name] ?? "");

describe("Grafana run by start", () => {
  it("is found on PATH, started with the checkout's provisioning and the local QuestDB, and answers on its port", async () => {
    const binary = findGrafana({ PATH: [bin, process.env.PATH].join(delimiter) });
    expect(binary).toBe(join(bin, "grafana"));
    const port = await freePort();
    const grafana = grafanaService({
      binary: binary!,
      root: ROOT,
      dir,
      port,
      bind: "127.0.0.1",
      questdb: { host: "127.0.0.1", user: "grafana", password: "ro-password-0123456789" },
      admin: { user: "admin", password: "admin-password-0123456789" },
      env: { PATH: process.env.PATH, GRAFANA_HOME: "/opt/grafana-12.4.2" },
      output: join(dir, "grafana.out"),
    });
    cleanups.push(() => grafana.stop());
    await grafana.start();
    expect((await fetch(`${grafana.url}/api/health`)).status).toBe(200);

    const [call] = calls();
    const config = join(dir, "grafana.ini");
    expect(call!.args).toEqual(["server", "--homepath", "/opt/grafana-12.4.2", "--config", config]);
    expect(call!.ini).toContain(`provisioning = ${join(ROOT, "provisioning")}`);
    expect(call!.ini).toContain(`http_port = ${port}`);
    expect(call!.ini).toContain("http_addr = 127.0.0.1");
    expect(call!.ini).toContain("preinstall_sync = questdb-questdb-datasource@0.1.8");
    expect(call!.ini).toMatch(/\[auth\.anonymous\]\nenabled = false/);
    // No secret in the file: they travel in the environment.
    expect(readFileSync(config, "utf8")).not.toContain("password-0123456789");

    // The provisioning files, filled from the environment Grafana got, point at the local QuestDB
    // with the read-only login and at the checkout's dashboards.
    const env = call!.env;
    const ds = parse(
      interpolate(readFileSync(join(ROOT, "provisioning/datasources/questdb.yaml"), "utf8"), env),
    );
    expect(ds.datasources[0]).toMatchObject({
      jsonData: { server: "127.0.0.1", port: 8812, username: "grafana" },
      secureJsonData: { password: "ro-password-0123456789" },
    });
    const provider = parse(
      interpolate(readFileSync(join(ROOT, "provisioning/dashboards/metricsdash.yaml"), "utf8"), env),
    );
    const dashboards = provider.providers[0].options.path as string;
    expect(existsSync(join(dashboards, "tv-wall.json"))).toBe(true);
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toBe("admin-password-0123456789");
  });

  it("is started again by the supervisor when it dies, like the other services", async () => {
    const home = join(dir, "home");
    mkdirSync(join(home, "conf"), { recursive: true });
    writeFileSync(join(home, "conf", "defaults.ini"), "");
    const grafana = grafanaService({
      binary: join(bin, "grafana"),
      root: ROOT,
      dir: join(dir, "second"),
      port: await freePort(),
      bind: "127.0.0.1",
      questdb: { host: "127.0.0.1", user: "grafana", password: "ro-password-0123456789" },
      admin: { user: "admin", password: "admin-password-0123456789" },
      env: { PATH: process.env.PATH },
      output: join(dir, "second.out"),
    });
    await grafana.start();
    const supervisor = supervise([grafana], createLogger("grafana-test"), { minDelayMs: 50 });
    cleanups.push(async () => {
      supervisor.stop();
      await grafana.stop();
    });
    const before = calls().length;
    await grafana.kill();
    await eventually(async () => {
      expect(supervisor.status().grafana).toMatchObject({ state: "running", restarts: 1 });
      expect((await fetch(`${grafana.url}/api/health`)).status).toBe(200);
    });
    expect(calls().length).toBe(before + 1);
  });
});
