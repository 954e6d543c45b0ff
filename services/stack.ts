import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { EVENTS_STREAM, natsAuth } from "../core/nats.ts";
import { QuestDb } from "../core/questdb.ts";
import { startNatsServer, type NatsServer } from "./nats-server.ts";
import { connectWanted } from "../platforms/connect-switch.ts";
import { nodeService, type NodeService } from "./node-service.ts";
import { freePort, portOpen, waitFor } from "./ports.ts";
import { startQuestDbServer, type QuestDbPorts, type QuestDbServer } from "./questdb-server.ts";

export interface StackOptions {
  /** Where servers keep data and logs. */
  dir: string;
  /** Extra environment for our services (secrets, batch sizes…). */
  env: Record<string, string>;
  /** Fixed ports (the start command) or free ones (tests, benchmarks). */
  ports?: {
    nats?: number;
    questdb?: Partial<QuestDbPorts>;
    ingest?: number;
    connect?: number;
    alerting?: number;
  };
  /** Also run the alerting worker (the start command does; pipeline tests don't need it). */
  alerting?: boolean;
  /** Use servers already answering on the fixed ports instead of starting our own. */
  reuseRunning?: boolean;
  /** Where service logs go: files under `dir` (default) or our console. */
  output?: "files" | "inherit";
}

export interface Stack {
  readonly natsUrl: string;
  readonly questdbUrl: string;
  readonly ingestUrl: string;
  readonly db: QuestDb;
  /** Servers we started (undefined when reused): tests stop and restart them. */
  readonly nats: NatsServer | undefined;
  readonly questdb: QuestDbServer | undefined;
  readonly ingest: NodeService;
  readonly processors: NodeService;
  /** The connect service, started when a source's connect flow is switched on (platforms/connect-switch.ts). */
  readonly connect: NodeService | undefined;
  readonly connectUrl: string | undefined;
  readonly alerting: NodeService | undefined;
  readonly alertingUrl: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/**
 * NATS, QuestDB, ingest and processors, wired together: one place that the start command, the
 * whole-pipeline tests and the benchmarks all use. `NATS_URL` / `QUESTDB_HTTP_URL` in the
 * environment point it at servers that already run elsewhere.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  mkdirSync(options.dir, { recursive: true });
  const fixed = options.ports ?? {};

  let nats: NatsServer | undefined;
  let natsUrl = process.env.NATS_URL;
  if (!natsUrl && options.reuseRunning && fixed.nats && (await portOpen(fixed.nats))) {
    natsUrl = `nats://127.0.0.1:${fixed.nats}`;
  }
  if (!natsUrl) {
    nats = await startNatsServer({
      dir: join(options.dir, "nats"),
      ...(fixed.nats ? { port: fixed.nats } : {}),
    });
    natsUrl = nats.url;
  }

  let questdb: QuestDbServer | undefined;
  let questdbUrl = process.env.QUESTDB_HTTP_URL;
  if (!questdbUrl && options.reuseRunning && fixed.questdb?.http) {
    const candidate = `http://127.0.0.1:${fixed.questdb.http}`;
    if (await new QuestDb(candidate).healthy()) questdbUrl = candidate;
  }
  if (!questdbUrl) {
    questdb = await startQuestDbServer({
      dir: options.dir,
      ...(fixed.questdb ? { ports: fixed.questdb } : {}),
    });
    questdbUrl = questdb.httpUrl;
  }

  const ingestPort = fixed.ingest ?? (await freePort());
  const ingestUrl = `http://127.0.0.1:${ingestPort}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    NATS_URL: natsUrl,
    QUESTDB_HTTP_URL: questdbUrl,
    INGEST_PORT: String(ingestPort),
  };
  const output = (name: string) =>
    options.output === "inherit" ? "inherit" : join(options.dir, `${name}.log`);
  const processors = nodeService("processors", "processors/main.ts", env, { output: output("processors") });
  const ingest = nodeService("ingest", "ingest/main.ts", env, {
    output: output("ingest"),
    ready: () => waitFor("ingest /readyz", () => httpOk(`${ingestUrl}/readyz`), 30_000),
  });
  // Processors first: they create the tables, so a webhook that lands at once has somewhere to go.
  await processors.start();
  await ingest.start();
  const db = new QuestDb(questdbUrl);
  await waitFor("QuestDB tables", () => tablesExist(db), 30_000);
  // The tables exist before the processors' consumers do: a test that stops NATS right away would
  // otherwise catch the processors half started (and they exit, as they should on a broken start).
  await consumersExist(natsUrl, PROCESSOR_CONSUMERS);

  let alerting: NodeService | undefined;
  let alertingUrl: string | undefined;
  if (options.alerting) {
    const port = fixed.alerting ?? (await freePort());
    alertingUrl = `http://127.0.0.1:${port}`;
    alerting = nodeService(
      "alerting",
      "alerting/main.ts",
      { ...env, ALERTING_PORT: String(port) },
      {
        output: output("alerting"),
        ready: () => waitFor("alerting /healthz", () => httpOk(`${alertingUrl}/healthz`), 30_000),
      },
    );
    await alerting.start();
  }

  let connect: NodeService | undefined;
  let connectUrl: string | undefined;
  if (connectWanted(env)) {
    const connectPort = fixed.connect ?? (await freePort());
    connectUrl = `http://127.0.0.1:${connectPort}`;
    const url = connectUrl;
    connect = nodeService(
      "connect",
      "connect/main.ts",
      {
        ...env,
        CONNECT_PORT: String(connectPort),
        CONNECT_PUBLIC_URL: env.CONNECT_PUBLIC_URL ?? connectUrl,
        INGEST_PUBLIC_URL: env.INGEST_PUBLIC_URL ?? ingestUrl,
      },
      {
        output: output("connect"),
        ready: () => waitFor("connect /readyz", () => httpOk(`${url}/readyz`), 30_000),
      },
    );
    await connect.start();
  }

  return {
    natsUrl,
    questdbUrl,
    ingestUrl,
    db,
    nats,
    questdb,
    ingest,
    processors,
    connect,
    connectUrl,
    alerting,
    alertingUrl,
    env,
    async stop() {
      await Promise.all([ingest.stop(), processors.stop(), connect?.stop(), alerting?.stop()]);
      await Promise.all([nats?.stop(), questdb?.stop()]);
    },
  };
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

async function tablesExist(db: QuestDb): Promise<boolean> {
  try {
    const result = await db.exec("SELECT count() FROM tables() WHERE table_name = 'orders'");
    return result.dataset[0]?.[0] === 1;
  } catch {
    return false;
  }
}

/** The durable consumers processors/main.ts creates before it is fully up. */
const PROCESSOR_CONSUMERS = ["orders", "inventory"];

async function consumersExist(natsUrl: string, names: string[]): Promise<void> {
  const nc = await connect({ ...natsAuth(), servers: natsUrl.split(",") });
  try {
    const jsm = await jetstreamManager(nc);
    await waitFor(
      `processor consumers ${names.join(", ")}`,
      async () => {
        for (const name of names) {
          try {
            await jsm.consumers.info(EVENTS_STREAM, name);
          } catch {
            return false;
          }
        }
        return true;
      },
      30_000,
    );
  } finally {
    await nc.close();
  }
}
