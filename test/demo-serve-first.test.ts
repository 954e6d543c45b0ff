import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { demoWiring } from "../demo/wiring.ts";
import { nodeService, type NodeService } from "../services/node-service.ts";
import { freePort } from "../services/ports.ts";
import { eventually } from "./support/eventually.ts";
import { TEST_SECRETS } from "./support/stack.ts";

/**
 * The start command waits for the demo's ports (BigCommerce's API, the shippers') before it starts
 * the stack. At the documented maximum rate a week of history is millions of webhooks; the demo
 * used to plan them all before it served and `start` gave up after 60 s. Here ingest is not up yet
 * (as under `start`), the rate and history are the largest allowed, and the API must answer at once.
 */
let demo: NodeService | undefined;
afterAll(async () => demo?.stop());

describe("demo store start-up", () => {
  it("serves its outlets' APIs before any history is planned, whatever the history's size", async () => {
    const wiring = await demoWiring(TEST_SECRETS, { port: freePort });
    const dir = mkdtempSync(join(tmpdir(), "metricsdash-demo-serve-"));
    const log = join(dir, "demo.log");
    demo = nodeService(
      "demo",
      "demo/main.ts",
      {
        ...process.env,
        ...TEST_SECRETS,
        ...wiring.stackEnv,
        ...wiring.demoEnv,
        // Nothing listens here: the demo waits for ingest, as it does while `start` brings the stack up.
        DEMO_INGEST_URL: `http://127.0.0.1:${await freePort()}`,
        DEMO_STATE_FILE: join(dir, "demo-store.json"),
        DEMO_ORDERS_PER_MINUTE: "200",
        DEMO_HISTORY_DAYS: "7",
        DEMO_STOREFRONT_PORT: String(await freePort()),
      },
      { output: log },
    );
    const began = performance.now();
    await demo.start();
    const api = wiring.stackEnv.BIGCOMMERCE_API_URL!;
    const store = await eventually(
      async () => {
        const response = await fetch(`${api}/stores/${wiring.stackEnv.BIGCOMMERCE_STORE_HASH}/v2/store`, {
          headers: { "x-auth-token": wiring.stackEnv.BIGCOMMERCE_ACCESS_TOKEN!, accept: "application/json" },
        });
        expect(response.status).toBe(200);
        return (await response.json()) as { currency: string; timezone: { name: string } };
      },
      // The start command's own limit is 60 s; a loaded machine still answers far inside it.
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    console.log(`demo BigCommerce API answered ${Math.round(performance.now() - began)} ms after spawn`);
    expect(store.currency).toBe("GBP");
    expect(wiring.serves.length).toBeGreaterThan(1);
    // Every port the start command waits for answers, not only BigCommerce's.
    for (const port of wiring.serves) {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      await response.body?.cancel();
      expect(response.status, `port ${port}`).toBeGreaterThan(0);
    }
    await eventually(
      async () => expect(readFileSync(log, "utf8")).toContain("demo store: waiting for ingest"),
      {
        timeoutMs: 10_000,
        intervalMs: 200,
      },
    );
    expect(readFileSync(log, "utf8")).not.toContain("demo store: sending history");
  }, 60_000);
});
