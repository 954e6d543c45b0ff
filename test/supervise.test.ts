import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlString } from "../core/questdb.ts";
import { supervise, type Supervisor } from "../services/supervise.ts";
import { eventually } from "./support/eventually.ts";
import {
  orderPayload,
  orderTotals,
  ShopifyWebhookSender,
  type OrderSpec,
} from "./support/shopify-webhooks.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";

/**
 * The start command's supervision on the real stack: `kill -9` of the processors is logged, the
 * status says so until they are back, and orders flow again afterwards.
 */

let stack: Awaited<ReturnType<typeof startTestStack>>;
let supervisor: Supervisor;
const logged: Record<string, unknown>[] = [];
const SHOP = "supervised.myshopify.com";

beforeAll(async () => {
  stack = await startTestStack();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) logged.push(JSON.parse(line));
      done();
    },
  });
  supervisor = supervise([stack.ingest, stack.processors], pino({ name: "start" }, sink), {
    minDelayMs: 1500,
  });
}, 300_000);
afterAll(async () => {
  supervisor?.stop();
  await stack?.stop();
});

async function orderCount(orderId: bigint): Promise<number> {
  const rows = await stack.db.exec(
    `SELECT count() FROM orders WHERE order_id = ${sqlString(String(orderId))}`,
  );
  return Number(rows.dataset[0]?.[0] ?? 0);
}

describe("a processor killed under the supervisor", () => {
  it("is logged, shown as restarting, restarted, and orders flow again", async () => {
    const shopify = new ShopifyWebhookSender(stack.ingestUrl, TEST_SECRETS.SHOPIFY_API_SECRET, SHOP);
    expect(supervisor.healthy()).toBe(true);

    await stack.processors.kill();
    // The exit is seen at once; the restart waits out its back-off, so "restarting" is observable.
    expect(supervisor.status().processors).toMatchObject({ state: "restarting", restarts: 1 });
    expect(supervisor.healthy()).toBe(false);
    expect(logged.find((l) => l.msg === "service exited unexpectedly, restarting")).toMatchObject({
      service: "processors",
      signal: "SIGKILL",
      level: 50,
    });

    // Accepted by ingest while the processors are down: it waits in the stream.
    const spec: OrderSpec = {
      id: 7_100_000_001n,
      createdAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      lines: [{ id: 7_100_000_011n, priceCents: 1234, quantity: 2 }],
    };
    expect((await shopify.deliver("orders/create", orderPayload(spec))).status).toBe(200);

    await eventually(async () => expect(supervisor.status().processors?.state).toBe("running"), {
      timeoutMs: 60_000,
    });
    expect(stack.processors.running).toBe(true);
    expect(logged.some((l) => l.msg === "service restarted" && l.service === "processors")).toBe(true);

    await eventually(async () => expect(await orderCount(spec.id)).toBe(1), { timeoutMs: 60_000 });
    const [row] = await stack.db.rows<{ total_minor: number }>(
      `SELECT total_minor FROM orders WHERE order_id = ${sqlString(String(spec.id))}`,
    );
    expect(row?.total_minor).toBe(orderTotals(spec).total);
    // ingest was never touched: it was not restarted.
    expect(supervisor.status().ingest).toMatchObject({ state: "running", restarts: 0 });
  });

  it("does not restart a service that was asked to stop", async () => {
    await stack.ingest.stop();
    expect(supervisor.status().ingest).toMatchObject({ state: "stopped", restarts: 0 });
    await stack.ingest.start();
  });
});
