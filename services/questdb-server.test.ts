import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./ports.ts";
import { QuestDbStartExit, startQuestDbServer } from "./questdb-server.ts";

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

describe("QuestDB's log", () => {
  it("says nothing per query or commit at the default level, but still says it started", async () => {
    const dir = mkdtempSync(join(tmpdir(), "metricsdash-questdb-log-"));
    // The default, whatever this shell asks for.
    const asked = process.env.QDB_LOG_W_STDOUT_LEVEL;
    delete process.env.QDB_LOG_W_STDOUT_LEVEL;
    const server = await startQuestDbServer({ dir }).finally(() => {
      if (asked !== undefined) process.env.QDB_LOG_W_STDOUT_LEVEL = asked;
    });
    try {
      await server.db.exec("CREATE TABLE IF NOT EXISTS log_probe (x LONG, ts TIMESTAMP) TIMESTAMP(ts)");
      for (let i = 0; i < 5; i++) await server.db.exec(`INSERT INTO log_probe VALUES (${i}, now())`);
      await server.db.exec("SELECT count() FROM log_probe");
    } finally {
      await server.stop();
    }
    const log = readFileSync(join(dir, "questdb.log"), "utf8");
    // "A" lines are QuestDB's advisories (ports, "enjoy"); "I" lines are its per-query info.
    expect(log).toMatch(/ A server-main /);
    expect(log).not.toMatch(/ I i\.q\./);
    expect(log).not.toContain("log_probe");
  }, 200_000);
});
