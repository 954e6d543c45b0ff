import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startQuestDbServer, type QuestDbServer } from "../services/questdb-server.ts";
import { QuestDbError, sqlString, walApplied } from "./questdb.ts";

/** core/questdb.ts against a real QuestDB. */

let server: QuestDbServer;

beforeAll(async () => {
  server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-questdb-")) });
  await server.db.exec(
    "CREATE TABLE IF NOT EXISTS probe (ts TIMESTAMP, name SYMBOL, n LONG) TIMESTAMP(ts) PARTITION BY DAY WAL",
  );
}, 120_000);
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
