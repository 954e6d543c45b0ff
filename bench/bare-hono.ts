import { serve } from "@hono/node-server";
import { Hono } from "hono";

/**
 * Baseline: the same web stack as ingest with a POST route that reads the body and does nothing
 * else — the ceiling for any Hono route on this machine. Prints its port when listening.
 */
const app = new Hono();
app.post("/webhooks/shopify", async (c) => {
  await c.req.arrayBuffer();
  return c.json({ ok: true });
});
serve({ fetch: app.fetch, hostname: "127.0.0.1", port: Number(process.argv[2] ?? 0) }, (info) =>
  console.log(JSON.stringify({ port: info.port })),
);
process.on("SIGTERM", () => process.exit(0));
