import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../core/config.ts";
import { createLogger } from "../core/log.ts";
import { onShutdown } from "../core/shutdown.ts";
import { demoSwitchEnv } from "../demo/config.ts";
import { demoWiring } from "../demo/wiring.ts";
import { storefrontLinks, storefrontWiring } from "../demo/storefront-wiring.ts";
import { nodeService } from "./node-service.ts";
import { localGrafana } from "./grafana-server.ts";
import { findGrafana, openNow, type GrafanaState } from "./open-now.ts";
import { mapCountWarning } from "./map-count.ts";
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
const behaviourPort = env("BEHAVIOUR_PORT", 8082);

// The demo's shops post signed webhooks to ingest's public endpoints, like real shops would; what an
// outlet serves (BigCommerce's API) the processors call from their first catch-up on, so the demo
// starts first (it waits for ingest before sending anything).
const wiring = DEMO_STORE === "on" ? await demoWiring(process.env, { port: freePort }) : undefined;
for (const { platform, because } of wiring?.skipped ?? []) log.info({ platform }, `demo store: ${because}`);
const storefrontPort = env("DEMO_STOREFRONT_PORT", 8070);
const storefront = wiring ? storefrontWiring(process.env, storefrontPort) : undefined;
const demo = wiring
  ? nodeService(
      "demo",
      "demo/main.ts",
      {
        ...process.env,
        ...wiring.stackEnv,
        ...wiring.demoEnv,
        ...storefront?.demoEnv,
        DEMO_INGEST_URL: `http://127.0.0.1:${ingestPort}`,
        DEMO_BEHAVIOUR_URL: `http://127.0.0.1:${behaviourPort}`,
        DEMO_STATE_FILE: process.env.DEMO_STATE_FILE ?? join(root, ".data", "demo-store.json"),
      },
      {
        output: "inherit",
        ...(wiring.serves.length
          ? {
              ready: () =>
                Promise.all(
                  wiring.serves.map((port) => waitFor(`demo port ${port}`, () => portOpen(port), 60_000)),
                ).then(() => undefined),
            }
          : {}),
      },
    )
  : undefined;
await demo?.start();

// An installed Grafana runs beside the rest; QuestDB then enables the read-only login it uses.
const grafana = localGrafana(findGrafana(process.env), process.env, {
  root,
  dir: join(root, ".data", "grafana"),
});
if (grafana) Object.assign(process.env, grafana.questdbEnv);

const stack = await startStack({
  dir: join(root, ".data"),
  env: { ...wiring?.stackEnv, ...storefront?.stackEnv },
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
    behaviour: behaviourPort,
    connect: env("CONNECT_PORT", 8081),
    alerting: env("ALERTING_PORT", 8090),
  },
});

log.info(
  {
    ingest: stack.ingestUrl,
    behaviour: stack.behaviourUrl,
    connect: stack.connectUrl ?? `off (${connectSwitches().hint})`,
    alerting: stack.alertingUrl,
    nats: `${stack.natsUrl}${stack.nats ? "" : " (already running)"}`,
    questdb: `${stack.questdbUrl}${stack.questdb ? "" : " (already running)"}`,
  },
  "MetricsDash is up: POST platform webhooks to /webhooks/<platform>, query QuestDB at /exec",
);
const mapCount = mapCountWarning();
if (mapCount) log.warn(mapCount);
if (wiring) {
  log.info(
    { shops: wiring.platforms, shippers: wiring.followers },
    "demo store started (DEMO_STORE=off to receive only real webhooks)",
  );
}
const grafanaState = await startGrafana();
// Last, so it is what a person sees when the logs stop scrolling.
console.log(
  [
    ...openNow({
      ingestUrl: stack.ingestUrl,
      behaviourUrl: stack.behaviourUrl,
      connectUrl: stack.connectUrl,
      alertingUrl: stack.alertingUrl,
      questdbUrl: stack.questdbUrl,
      grafana: grafanaState,
    }),
    ...(storefront ? storefrontLinks(process.env, storefrontPort) : []),
  ].join("\n"),
);

const services = [
  stack.ingest,
  stack.behaviour,
  ...stack.processorReplicas,
  stack.connect,
  stack.alerting,
  demo,
  grafanaState.kind === "running" ? grafana?.service : undefined,
].filter((service) => service !== undefined);
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
  await grafana?.service.stop();
  await stack.stop();
});

/** Starts the installed Grafana, unless a Grafana (compose's?) already answers on its port; never fatal. */
async function startGrafana(): Promise<GrafanaState> {
  if (!grafana) return { kind: "absent" };
  const port = Number(new URL(grafana.service.url).port);
  if (await portOpen(port))
    return { kind: "not-started", why: `something already answers on :${port} (a compose Grafana?)` };
  if (!stack.questdb)
    log.warn(
      "QuestDB was already running: Grafana's read-only login works only if it enables QDB_PG_READONLY_USER",
    );
  try {
    await grafana.service.start();
    return { kind: "running", url: grafana.service.url };
  } catch (err) {
    log.error({ err: String(err) }, "Grafana did not start; everything else runs without it");
    return { kind: "not-started", why: `it did not start: see .data/grafana/grafana.out` };
  }
}
