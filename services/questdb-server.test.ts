import { mkdtempSync } from "node:fs";
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
