import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { EVENTS_STREAM, natsAuth } from "../core/nats.ts";
import { INGEST_NODE_FLAGS } from "../ingest/node-flags.ts";
import { loadConfig } from "../core/env.ts";
import { partitionConsumerName, partitionsEnv } from "../core/partitions.ts";
import { QuestDb } from "../core/questdb.ts";
import { startNatsServer, type NatsServer } from "./nats-server.ts";
import { connectWanted } from "../platforms/connect-switch.ts";
import { nodeService, type NodeService } from "./node-service.ts";
import { freePort, portOpen, waitFor } from "./ports.ts";
import { startQuestDbServer, type QuestDbPorts, type QuestDbServer } from "./questdb-server.ts";

/**
 * How long a service may take to answer after it is launched. Quiet, a few seconds; on a loaded
 * 2-core machine (load 60–85 seen in fresh-clone runs) two processor replicas took over 30 s to
 * create their consumers, so the ceiling is generous: it is a deadline, not a wait.
 */
const SERVICE_START_MS = 120_000;

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
    behaviour?: number;
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
  /** The browser SDK's process (`/sdk.js`, `/collect`, `/heatmap`): a script tag names this origin. */
  readonly behaviourUrl: string;
  readonly db: QuestDb;
  /** Servers we started (undefined when reused): tests stop and restart them. */
  readonly nats: NatsServer | undefined;
  readonly questdb: QuestDbServer | undefined;
  readonly ingest: NodeService;
  readonly behaviour: NodeService;
  /** The processors replica of partition 0 (the only one unless PROCESSOR_PARTITIONS says more). */
  readonly processors: NodeService;
  /** One processors replica per partition, in partition order. */
  readonly processorReplicas: NodeService[];
  /** The connect service, started when a source's connect flow is switched on (platforms/connect-switch.ts). */
  readonly connect: NodeService | undefined;
  readonly connectUrl: string | undefined;
  readonly alerting: NodeService | undefined;
  readonly alertingUrl: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/**
 * NATS, QuestDB, ingest, the behaviour process and processors, wired together: one place that the start command, the
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
  const behaviourPort = fixed.behaviour ?? (await freePort());
  const behaviourUrl = `http://127.0.0.1:${behaviourPort}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    NATS_URL: natsUrl,
    QUESTDB_HTTP_URL: questdbUrl,
    INGEST_PORT: String(ingestPort),
    BEHAVIOUR_PORT: String(behaviourPort),
    // Node keeps the stripped TypeScript and V8's code here: a restart skips loading the type
    // stripper, ≈ 17–25 MB of each service's resident memory (docs/benchmarks.md).
    NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(options.dir, "compile-cache"),
  };
  const output = (name: string) =>
    options.output === "inherit" ? "inherit" : join(options.dir, `${name}.log`);
  const { PROCESSOR_PARTITIONS } = loadConfig(partitionsEnv, env);
  const processorReplicas = Array.from({ length: PROCESSOR_PARTITIONS }, (_, index) =>
    PROCESSOR_PARTITIONS === 1
      ? nodeService("processors", "processors/main.ts", env, { output: output("processors") })
      : nodeService(
          `processors-p${index}`,
          "processors/main.ts",
          { ...env, PROCESSOR_PARTITION: String(index) },
          { output: output(`processors-p${index}`) },
        ),
  );
  const processors = processorReplicas[0]!;
  const ingest = nodeService("ingest", "ingest/main.ts", env, {
    output: output("ingest"),
    nodeFlags: INGEST_NODE_FLAGS,
    ready: () => waitFor("ingest /readyz", () => httpOk(`${ingestUrl}/readyz`), SERVICE_START_MS),
  });
  const behaviour = nodeService("behaviour", "ingest/behaviour/main.ts", env, {
    output: output("behaviour"),
    ready: () => waitFor("behaviour /readyz", () => httpOk(`${behaviourUrl}/readyz`), SERVICE_START_MS),
  });
  // Processors first: they create the tables, so a webhook that lands at once has somewhere to go.
  for (const replica of processorReplicas) await replica.start();
  // Then behaviour: the demo storefront's visitors start posting beacons as soon as ingest answers.
  await behaviour.start();
  await ingest.start();
  const db = new QuestDb(questdbUrl);
  await waitFor("QuestDB tables", () => tablesExist(db), SERVICE_START_MS);
  // The tables exist before the processors' consumers do: a test that stops NATS right away would
  // otherwise catch the processors half started (they wait out a start-up request that times out,
  // core/start-up.ts, and the test would measure that wait instead of what it means to).
  await consumersExist(
    natsUrl,
    processorReplicas.flatMap((_, index) =>
      PROCESSOR_CONSUMERS.map((name) => partitionConsumerName(name, { index, count: PROCESSOR_PARTITIONS })),
    ),
  );

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
        ready: () => waitFor("alerting /healthz", () => httpOk(`${alertingUrl}/healthz`), SERVICE_START_MS),
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
        BEHAVIOUR_PUBLIC_URL: env.BEHAVIOUR_PUBLIC_URL ?? behaviourUrl,
      },
      {
        output: output("connect"),
        ready: () => waitFor("connect /readyz", () => httpOk(`${url}/readyz`), SERVICE_START_MS),
      },
    );
    await connect.start();
  }

  return {
    natsUrl,
    questdbUrl,
    ingestUrl,
    behaviourUrl,
    db,
    nats,
    questdb,
    ingest,
    behaviour,
    processors,
    processorReplicas,
    connect,
    connectUrl,
    alerting,
    alertingUrl,
    env,
    async stop() {
      await Promise.all([
        ingest.stop(),
        behaviour.stop(),
        ...processorReplicas.map((replica) => replica.stop()),
        connect?.stop(),
        alerting?.stop(),
      ]);
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
      SERVICE_START_MS,
    );
  } finally {
    await nc.close();
  }
}
