import { readFileSync } from "node:fs";
import {
  connect,
  credsAuthenticator,
  errors as natsErrors,
  nanos,
  type ConnectionOptions,
  type NatsConnection,
} from "@nats-io/transport-node";
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from "@nats-io/jetstream";
import { loadConfig, natsAuthEnv } from "./config.ts";
import type { Logger } from "./log.ts";

export const EVENTS_STREAM = "EVENTS";
export const DEAD_LETTER_STREAM = "EVENTS_DLQ";
export const DEAD_LETTER_PREFIX = "dlq";

/**
 * The client's errors that say the broker is briefly away (it reconnects by itself): a write waits,
 * and a stray rejection of this kind is no reason to stop a service.
 */
export const NATS_AWAY_ERRORS = [
  natsErrors.ConnectionError,
  natsErrors.ClosedConnectionError,
  natsErrors.DrainingConnectionError,
  natsErrors.TimeoutError,
  natsErrors.NoRespondersError,
  natsErrors.RequestError,
] as const;

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/**
 * The stream every ingest publishes to. Deduplication by `Nats-Msg-Id` covers the quick retries
 * (a platform re-sending after a timeout); longer-lived duplicates are harmless because every
 * downstream write is an idempotent upsert. The window is kept short-ish because the broker holds
 * every id of the window in memory.
 */
export const eventsStreamConfig: Partial<StreamConfig> & { name: string } = {
  name: EVENTS_STREAM,
  subjects: ["evt.>"],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  discard: DiscardPolicy.Old,
  max_age: nanos(7 * DAY),
  duplicate_window: nanos(20 * 60 * 1000),
};

export const deadLetterStreamConfig: Partial<StreamConfig> & { name: string } = {
  name: DEAD_LETTER_STREAM,
  subjects: [`${DEAD_LETTER_PREFIX}.>`],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  max_age: nanos(30 * DAY),
};

export const BEHAVIOUR_STREAM = "BEHAVIOUR";

/**
 * Browser SDK batches, on a stream of their own so a flood of clicks never queues in front of an
 * order. Bounded in bytes and age (discarding the oldest): behaviour is worth less than the disk
 * the order stream needs, and the processors write it to QuestDB within seconds.
 */
export const behaviourStreamConfig: Partial<StreamConfig> & { name: string } = {
  name: BEHAVIOUR_STREAM,
  subjects: ["beh.>"],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  discard: DiscardPolicy.Old,
  max_age: nanos(2 * DAY),
  max_bytes: 1024 * 1024 * 1024,
  duplicate_window: nanos(2 * 60 * 1000),
};
/** The login options for `connect()` from NATS_USER/NATS_PASSWORD or NATS_CREDS_FILE; none when unset. */
export function natsAuth(env: Record<string, string | undefined> = process.env): Partial<ConnectionOptions> {
  const auth = loadConfig(natsAuthEnv, env);
  if (auth.NATS_CREDS_FILE) return { authenticator: credsAuthenticator(readFileSync(auth.NATS_CREDS_FILE)) };
  if (auth.NATS_USER) return { user: auth.NATS_USER, pass: auth.NATS_PASSWORD! };
  return {};
}

export async function connectNats(url: string, name: string, log: Logger): Promise<NatsConnection> {
  const nc = await connect({
    ...natsAuth(),
    servers: url.split(","),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    // The client otherwise captures two stack traces per request/publish: ~9 % of ingest's CPU
    // in the benchmark's profile. Our errors carry their own context.
    noAsyncTraces: true,
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect" || status.type === "reconnect") {
        log.warn(
          { nats: status.type, server: "server" in status ? status.server : undefined },
          "nats connection changed",
        );
      }
    }
  })();
  log.info({ server: nc.getServer() }, "connected to nats");
  return nc;
}

/** Creates the streams, or brings an existing one's settings up to date. Safe to call from every service. */
export async function ensureStreams(jsm: JetStreamManager): Promise<void> {
  for (const config of [eventsStreamConfig, deadLetterStreamConfig, behaviourStreamConfig]) {
    const name = config.name;
    try {
      await jsm.streams.info(name);
      await jsm.streams.update(name, config);
    } catch (err) {
      if (!isNotFound(err)) throw new Error(`cannot check stream ${name}: ${String(err)}`, { cause: err });
      await jsm.streams.add(config);
    }
  }
}

export async function streamsReady(nc: NatsConnection): Promise<boolean> {
  if (nc.isClosed()) return false;
  try {
    const jsm = await jetstreamManager(nc, { timeout: 1000 });
    await jsm.streams.info(EVENTS_STREAM);
    return true;
  } catch {
    return false;
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound;
}
