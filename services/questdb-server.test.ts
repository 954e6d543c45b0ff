import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./ports.ts";
import { QUESTDB_WORKER_IDLE, QuestDbStartExit, questDbEnv, startQuestDbServer } from "./questdb-server.ts";

describe("QuestDB on a port something else holds", () => {
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(port, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it("fails its start with a typed error naming its log, and tries no other port it was told to use", async () => {
    const dir = mkdtempSync(join(tmpdir(), "metricsdash-questdb-taken-"));
    const ports = { http: await freePort(), pg: await freePort(), ilp: port };
    const started = startQuestDbServer({ dir, ports });
    await expect(started).rejects.toBeInstanceOf(QuestDbStartExit);
    await expect(started).rejects.toMatchObject({ log: join(dir, "questdb.log") });
  }, 200_000);
});

describe("QuestDB's environment", () => {
  const ports = { http: 1, pg: 2, ilp: 3 };
  it("idles its workers briefly and logs errors only, unless the environment says otherwise", () => {
    const env = questDbEnv({ QDB_WAL_APPLY_WORKER_NAP_THRESHOLD: "7000" }, ports);
    expect(env.QDB_WAL_APPLY_WORKER_NAP_THRESHOLD).toBe("7000");
    expect(env.QDB_SHARED_WORKER_NAP_THRESHOLD).toBe("100");
    expect(env.QDB_LOG_W_STDOUT_LEVEL).toBe("ERROR,CRITICAL,ADVISORY");
    expect(questDbEnv({ QDB_LOG_W_STDOUT_LEVEL: "INFO" }, ports).QDB_LOG_W_STDOUT_LEVEL).toBe("INFO");
  });

  it("keeps the ports it was given, whatever the environment says", () => {
    const env = questDbEnv({ QDB_HTTP_BIND_TO: "0.0.0.0:9000" }, ports);
    expect(env.QDB_HTTP_BIND_TO).toBe("127.0.0.1:1");
  });
});

describe("QuestDB at its defaults", () => {
  let dir: string;
  let settings: Map<string, { value: string; source: string }>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "metricsdash-questdb-defaults-"));
    // The defaults, whatever this shell asks for.
    const names = ["QDB_LOG_W_STDOUT_LEVEL", ...Object.keys(QUESTDB_WORKER_IDLE)];
    const asked = new Map(names.map((name) => [name, process.env[name]]));
    for (const name of names) delete process.env[name];
    const server = await startQuestDbServer({ dir }).finally(() => {
      for (const [name, value] of asked) if (value !== undefined) process.env[name] = value;
    });
    try {
      await server.db.exec("CREATE TABLE IF NOT EXISTS log_probe (x LONG, ts TIMESTAMP) TIMESTAMP(ts)");
      for (let i = 0; i < 5; i++) await server.db.exec(`INSERT INTO log_probe VALUES (${i}, now())`);
      await server.db.exec("SELECT count() FROM log_probe");
      const shown = await server.db.exec<[string, string, string]>(
        "SELECT property_path, value, value_source FROM (SHOW PARAMETERS) WHERE property_path LIKE '%worker.%threshold'",
      );
      settings = new Map(shown.dataset.map(([path, value, source]) => [path, { value, source }]));
    } finally {
      await server.stop();
    }
  }, 200_000);

  it("runs its workers with the short idle spin", () => {
    for (const pool of ["shared", "wal.apply", "mat.view.refresh"]) {
      expect(settings.get(`${pool}.worker.yield.threshold`)).toEqual({ value: "10", source: "env" });
      expect(settings.get(`${pool}.worker.nap.threshold`)).toEqual({ value: "100", source: "env" });
      expect(settings.get(`${pool}.worker.sleep.threshold`)).toEqual({ value: "200", source: "env" });
    }
  });

  it("says nothing per query or commit in its log, but still says it started", () => {
    const log = readFileSync(join(dir, "questdb.log"), "utf8");
    // "A" lines are QuestDB's advisories (ports, "enjoy"); "I" lines are its per-query info.
    expect(log).toMatch(/ A server-main /);
    expect(log).not.toMatch(/ I i\.q\./);
    expect(log).not.toContain("log_probe");
  });
});
