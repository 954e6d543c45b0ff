import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startQuestDbServer, type QuestDbServer } from "../services/questdb-server.ts";
import { QuestDb, QuestDbError, sqlString, walApplied } from "./questdb.ts";

/** core/questdb.ts against a real QuestDB. */

let server: QuestDbServer;

beforeAll(async () => {
  server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-questdb-")) });
  await server.db.exec(
    "CREATE TABLE IF NOT EXISTS probe (ts TIMESTAMP, name SYMBOL, n LONG) TIMESTAMP(ts) PARTITION BY DAY WAL",
  );
}, 300_000);
afterAll(async () => server?.stop());

describe("sqlString", () => {
  it("quotes a value with quotes in it so QuestDB reads back exactly that value", async () => {
    const value = "O'Brien's ''shop'' ' ; DROP TABLE probe; --";
    const result = await server.db.exec<[string]>(`SELECT ${sqlString(value)} v`);
    expect(result.dataset).toEqual([[value]]);
    expect((await server.db.exec("SELECT count() FROM tables() WHERE table_name = 'probe'")).dataset).toEqual(
      [[1]],
    );
  });
});

describe("walApplied", () => {
  it("answers true for a table whose writes are applied", async () => {
    expect(await walApplied(server.db, ["probe"], 10_000)).toBe(true);
  });

  it("refuses a table name QuestDB does not have, instead of answering true", async () => {
    await expect(walApplied(server.db, ["prboe"], 1000)).rejects.toThrow(/no WAL table named prboe/);
    await expect(walApplied(server.db, ["probe", "ordres"], 1000)).rejects.toThrow(/ordres/);
  });
});

describe("the sender", () => {
  it("carries QuestDB's HTTP status on a refused write, and writes again after it", async () => {
    const sender = await server.db.sender();
    await sender.table("probe").symbol("name", "x").stringColumn("n", "not a number").at(1n, "us");
    const refused = await sender.flush().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(QuestDbError);
    expect((refused as QuestDbError).status).toBe(400);

    await sender
      .table("probe")
      .symbol("name", "y")
      .intColumn("n", 7)
      .at(Date.now() * 1000, "us");
    expect(await sender.flush()).toBe(true);
  });
});

describe("QuestDB behind its HTTP login (as compose runs it)", () => {
  let guarded: QuestDbServer;
  beforeAll(async () => {
    guarded = await startQuestDbServer({
      dir: mkdtempSync(join(tmpdir(), "metricsdash-questdb-login-")),
      login: { user: "admin", password: "s3cret/with:odd@chars" },
    });
  }, 120_000);
  afterAll(async () => guarded?.stop());

  it("reads and writes with the login from the URL, and is refused (401) without it", async () => {
    const db = new QuestDb(guarded.httpUrl);
    expect(db.url.password).toBe("");
    expect(String(db.url)).not.toContain("s3cret");
    expect((await db.exec("SELECT 1")).dataset).toEqual([[1]]);
    await db.exec(
      "CREATE TABLE IF NOT EXISTS guarded (ts TIMESTAMP, n LONG) TIMESTAMP(ts) PARTITION BY DAY WAL",
    );
    const sender = await db.sender();
    await sender
      .table("guarded")
      .intColumn("n", 42)
      .at(Date.now() * 1000, "us");
    expect(await sender.flush()).toBe(true);

    const anonymous = new QuestDb(`http://127.0.0.1:${guarded.ports.http}`);
    const refused = await anonymous.exec("SELECT 1").catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(QuestDbError);
    expect((refused as QuestDbError).status).toBe(401);
  });
});
