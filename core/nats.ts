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
  type StreamInfo,
} from "@nats-io/jetstream";
import { loadConfig, natsAuthEnv, streamsEnv, type StreamsEnv } from "./config.ts";
import { isReservationRefused, StreamLimitError } from "./jetstream-errors.ts";
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

/** Whether `err` (or what it wraps) is one of NATS_AWAY_ERRORS: answer 503 and let the client retry. */
export function isNatsAway(err: unknown): boolean {
  for (let at = err, depth = 0; at instanceof Error && depth < 5; at = at.cause, depth++)
    if (NATS_AWAY_ERRORS.some((type) => at instanceof type)) return true;
  return false;
}

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/**
 * The stream every ingest publishes to. Deduplication by `Nats-Msg-Id` covers the quick retries
 * (a platform re-sending after a timeout); longer-lived duplicates are harmless because every
 * downstream write is an idempotent upsert. The window is kept short-ish because the broker holds
 * every id of the window in memory. Bounded in bytes (EVENTS_MAX_BYTES) with `discard: new`: a full
 * stream refuses new events (ingest answers 503 and the platform retries) instead of dropping the
 * oldest, perhaps unprocessed, orders; processors/stream-trim makes room from what every consumer
 * has acknowledged.
 */
export function eventsStreamConfig(limits: StreamsEnv): StreamPlan {
  return {
    variable: "EVENTS_MAX_BYTES",
    config: {
      name: EVENTS_STREAM,
      subjects: ["evt.>"],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.New,
      max_bytes: limits.EVENTS_MAX_BYTES,
      max_age: nanos(7 * DAY),
      duplicate_window: nanos(20 * 60 * 1000),
    },
  };
}

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
 * order. Bounded in bytes (BEHAVIOUR_MAX_BYTES) and age, discarding the oldest: behaviour is worth
 * less than the disk the order stream needs, and the processors write it to QuestDB within seconds.
 */
export function behaviourStreamConfig(limits: StreamsEnv): StreamPlan {
  return {
    variable: "BEHAVIOUR_MAX_BYTES",
    config: {
      name: BEHAVIOUR_STREAM,
      subjects: ["beh.>"],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(2 * DAY),
      max_bytes: limits.BEHAVIOUR_MAX_BYTES,
      duplicate_window: nanos(2 * 60 * 1000),
    },
  };
}

/** A stream's settings and the variable that sets its size (named when the server cannot hold it). */
export interface StreamPlan {
  config: Partial<StreamConfig> & { name: string };
  variable?: string;
}

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

/**
 * Creates the streams, or brings an existing one's settings up to date. Safe to call from every
 * service. The limits come from `env` (streamsEnv); a limit the server cannot reserve stops the
 * caller with a StreamLimitError naming the variable.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  { env = process.env, log }: { env?: Record<string, string | undefined>; log?: Logger } = {},
): Promise<void> {
  const limits = loadConfig(streamsEnv, env);
  const plans = [
    eventsStreamConfig(limits),
    { config: deadLetterStreamConfig },
    behaviourStreamConfig(limits),
  ];
  for (const plan of plans) await ensureStream(jsm, plan, log);
}

async function ensureStream(jsm: JetStreamManager, { config, variable }: StreamPlan, log?: Logger) {
  const name = config.name;
  let stored: StreamInfo | undefined;
  try {
    stored = await jsm.streams.info(name);
  } catch (err) {
    if (!isNotFound(err)) throw new Error(`cannot check stream ${name}: ${String(err)}`, { cause: err });
  }
  try {
    if (stored) await jsm.streams.update(name, keepStored(stored, config, variable, log));
    else await jsm.streams.add(config);
  } catch (err) {
    if (variable && isReservationRefused(err))
      throw new StreamLimitError(name, variable, config.max_bytes!, { cause: err });
    throw new Error(`cannot ${stored ? "update" : "create"} stream ${name}: ${String(err)}`, { cause: err });
  }
}

/**
 * Lowering a stream's max_bytes below what it holds makes the server delete its oldest messages at
 * once, whatever the discard policy (seen on 2.9.10): for a `discard: new` stream those may be
 * unprocessed orders. Such a stream keeps the size it holds until it has drained; a later start applies
 * the lower limit.
 */
function keepStored(
  stored: StreamInfo,
  config: StreamPlan["config"],
  variable: string | undefined,
  log?: Logger,
): StreamPlan["config"] {
  const wanted = config.max_bytes;
  if (config.discard !== DiscardPolicy.New || !wanted || wanted < 0 || stored.state.bytes <= wanted)
    return config;
  log?.warn(
    { stream: config.name, variable, wanted, stored: stored.state.bytes },
    "stream holds more than its new limit; keeping its current size until it has drained",
  );
  return { ...config, max_bytes: stored.state.bytes };
}

export async function streamsReady(nc: NatsConnection): Promise<boolean> {
  return (await eventsStreamInfo(nc)) !== undefined;
}

export type Readiness = { ready: true } | { ready: false; reason: string };

/**
 * Whether ingest can take webhooks: NATS connected, EVENTS there and not full. A full stream refuses
 * every new event, so a load balancer should send the traffic elsewhere until the processors made room.
 */
export async function ingestReadiness(nc: NatsConnection): Promise<Readiness> {
  const info = await eventsStreamInfo(nc);
  if (!info) return { ready: false, reason: "NATS not connected or stream EVENTS missing" };
  if (streamFull(info))
    return {
      ready: false,
      reason: `stream EVENTS full (${info.state.bytes} of ${info.config.max_bytes} bytes, EVENTS_MAX_BYTES)`,
    };
  return { ready: true };
}

/**
 * A `discard: new` stream counts as full when it has room for less than two events of its average
 * size (or the last 1 % of it, at most 64 KiB): the next publish is likely refused.
 */
export function streamFull(info: StreamInfo): boolean {
  const max = info.config.max_bytes;
  if (info.config.discard !== DiscardPolicy.New || max <= 0) return false;
  const { bytes, messages } = info.state;
  const average = messages ? bytes / messages : 0;
  return max - bytes < Math.max(2 * average, Math.min(64 * 1024, max / 100));
}

/**
 * Whether the behaviour process can take beacons: NATS connected and BEHAVIOUR there. That stream
 * drops its oldest batches when full (`discard: old`), so full never refuses a beacon.
 */
export async function behaviourReadiness(nc: NatsConnection): Promise<Readiness> {
  return (await streamInfo(nc, BEHAVIOUR_STREAM))
    ? { ready: true }
    : { ready: false, reason: `NATS not connected or stream ${BEHAVIOUR_STREAM} missing` };
}

const eventsStreamInfo = (nc: NatsConnection) => streamInfo(nc, EVENTS_STREAM);

/** A stream's info, or undefined when NATS or the stream is not there (readiness says so; it is not an error). */
async function streamInfo(nc: NatsConnection, name: string): Promise<StreamInfo | undefined> {
  if (nc.isClosed()) return undefined;
  try {
    const jsm = await jetstreamManager(nc, { timeout: 1000 });
    return await jsm.streams.info(name);
  } catch {
    return undefined;
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound;
}
