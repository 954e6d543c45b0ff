import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../core/config.ts";
import { createLogger } from "../core/log.ts";
import { onShutdown } from "../core/shutdown.ts";
import { demoSwitchEnv } from "../demo/config.ts";
import { demoWiring } from "../demo/wiring.ts";
import { nodeService } from "./node-service.ts";
import { findGrafana, openNow } from "./open-now.ts";
import { freePort, portOpen, waitFor } from "./ports.ts";
import { startStack } from "./stack.ts";
import { supervise } from "./supervise.ts";
import { connectSwitches } from "../platforms/connect-switch.ts";

/**
 * The start command: NATS, QuestDB and our services on their documented ports, reusing NATS or
 * QuestDB when one already answers there. Data lives in `.data/` beside the code.
 */
const log = createLogger("start");
const root = fileURLToPath(new URL("..", import.meta.url));
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const { DEMO_STORE } = loadConfig(demoSwitchEnv);
const ingestPort = env("INGEST_PORT", 8080);

// The demo's shops post signed webhooks to ingest's public endpoints, like real shops would; its
// BigCommerce shop also serves its API, which the processors call from their first catch-up on, so
// the demo starts first (it waits for ingest before sending anything).
const wiring =
  DEMO_STORE === "on"
    ? demoWiring(process.env, { bigCommercePort: env("DEMO_BIGCOMMERCE_API_PORT", 0) || (await freePort()) })
    : undefined;
for (const { platform, because } of wiring?.skipped ?? []) log.info({ platform }, `demo store: ${because}`);
const demoBigCommercePort = wiring?.demoEnv.DEMO_BIGCOMMERCE_API_PORT;
const demo = wiring
  ? nodeService(
      "demo",
      "demo/main.ts",
      {
        ...process.env,
        ...wiring.stackEnv,
        ...wiring.demoEnv,
        DEMO_INGEST_URL: `http://127.0.0.1:${ingestPort}`,
        DEMO_STATE_FILE: process.env.DEMO_STATE_FILE ?? join(root, ".data", "demo-store.json"),
      },
      {
        output: "inherit",
        ...(demoBigCommercePort
          ? {
              ready: () =>
                waitFor("demo BigCommerce API", () => portOpen(Number(demoBigCommercePort)), 60_000),
            }
          : {}),
      },
    )
  : undefined;
await demo?.start();

const stack = await startStack({
  dir: join(root, ".data"),
  env: wiring?.stackEnv ?? {},
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
    ingest: ingestPort,
    connect: env("CONNECT_PORT", 8081),
    alerting: env("ALERTING_PORT", 8090),
  },
});

log.info(
  {
    ingest: stack.ingestUrl,
    connect: stack.connectUrl ?? `off (${connectSwitches().hint})`,
    alerting: stack.alertingUrl,
    nats: `${stack.natsUrl}${stack.nats ? "" : " (already running)"}`,
    questdb: `${stack.questdbUrl}${stack.questdb ? "" : " (already running)"}`,
  },
  "MetricsDash is up: POST platform webhooks to /webhooks/<platform>, query QuestDB at /exec",
);
if (wiring) {
  log.info({ shops: wiring.platforms }, "demo store started (DEMO_STORE=off to receive only real webhooks)");
}
// Last, so it is what a person sees when the logs stop scrolling.
console.log(
  openNow({
    ingestUrl: stack.ingestUrl,
    connectUrl: stack.connectUrl,
    alertingUrl: stack.alertingUrl,
    questdbUrl: stack.questdbUrl,
    grafana: findGrafana(process.env),
  }).join("\n"),
);

const services = [stack.ingest, stack.processors, stack.connect, stack.alerting, demo].filter(
  (service) => service !== undefined,
);
const supervisor = supervise(services, log);

// What runs and what is being restarted, for a person or a monitor: 503 while any service is down.
const statusPort = env("START_STATUS_PORT", 8099);
const status = createServer((_req, res) => {
  res.writeHead(supervisor.healthy() ? 200 : 503, { "content-type": "application/json" });
  res.end(JSON.stringify({ ready: supervisor.healthy(), services: supervisor.status() }));
}).listen(statusPort, "127.0.0.1", () =>
  log.info({ url: `http://127.0.0.1:${statusPort}/` }, "start status"),
);

onShutdown(log, async () => {
  supervisor.stop();
  status.close();
  await demo?.stop();
  await stack.stop();
});
