import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../core/config.ts";
import { createLogger } from "../core/log.ts";
import { onShutdown } from "../core/shutdown.ts";
import { demoSwitchEnv } from "../demo/config.ts";
import { nodeService } from "./node-service.ts";
import { startStack } from "./stack.ts";

/**
 * The start command: NATS, QuestDB and our services on their documented ports, reusing NATS or
 * QuestDB when one already answers there. Data lives in `.data/` beside the code.
 */
const log = createLogger("start");
const root = fileURLToPath(new URL("..", import.meta.url));
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const { DEMO_STORE } = loadConfig(demoSwitchEnv);

const stack = await startStack({
  dir: join(root, ".data"),
  env: {},
  reuseRunning: true,
  alerting: true,
  output: "inherit",
  ports: {
    nats: env("NATS_PORT", 4222),
    questdb: {
      http: env("QUESTDB_HTTP_PORT", 9000),
      pg: env("QUESTDB_PG_PORT", 8812),
      ilp: env("QUESTDB_ILP_PORT", 9009),
    },
    ingest: env("INGEST_PORT", 8080),
    connect: env("CONNECT_PORT", 8081),
    alerting: env("ALERTING_PORT", 8090),
  },
});

log.info(
  {
    ingest: stack.ingestUrl,
    connect: stack.connectUrl ?? "off (set SHOPIFY_API_KEY and/or STORE_WEBHOOK_KEY to connect stores)",
    alerting: stack.alertingUrl,
    nats: `${stack.natsUrl}${stack.nats ? "" : " (already running)"}`,
    questdb: `${stack.questdbUrl}${stack.questdb ? "" : " (already running)"}`,
  },
  "MetricsDash is up: POST Shopify webhooks to /webhooks/shopify, query QuestDB at /exec",
);

// The demo store posts signed webhooks to ingest's public endpoint, like a real shop would.
const demo =
  DEMO_STORE === "on"
    ? nodeService(
        "demo",
        "demo/main.ts",
        {
          ...stack.env,
          DEMO_INGEST_URL: stack.ingestUrl,
          DEMO_STATE_FILE: process.env.DEMO_STATE_FILE ?? join(root, ".data", "demo-store.json"),
        },
        { output: "inherit" },
      )
    : undefined;
await demo?.start();
if (demo) log.info("demo store started (DEMO_STORE=off to receive only real webhooks)");

onShutdown(log, async () => {
  await demo?.stop();
  await stack.stop();
});
