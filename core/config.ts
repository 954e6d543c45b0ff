import { z } from "zod";
import { connectSwitches, connectWanted } from "../platforms/connect-switch.ts";

// The loader lives in env.ts so that sources, which this module's connect switches import, can use it too.
export { ConfigError, loadConfig, unsetIfEmpty } from "./env.ts";
import { unsetIfEmpty } from "./env.ts";

const port = z.coerce.number().int().min(1).max(65535);

const secret = (what: string) => z.string().min(16, `${what} must be at least 16 characters`);

/** Settings every service shares: where the broker and the database are, how loud to log. */
export const commonEnv = z.object({
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  QUESTDB_HTTP_URL: z.url().default("http://127.0.0.1:9000"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

/**
 * How a service logs in to NATS: none (the local default, a server on 127.0.0.1), a user and
 * password, or a `.creds` file (JWT + nkey). Compose gives each service its own user
 * (nats/nats-server.conf), with only the permissions that service needs.
 */
export const natsAuthFields = z.object({
  NATS_USER: unsetIfEmpty(z.string().max(256)),
  NATS_PASSWORD: unsetIfEmpty(z.string().min(16, "NATS_PASSWORD must be at least 16 characters").max(256)),
  NATS_CREDS_FILE: unsetIfEmpty(z.string().max(4096)),
});
export const natsAuthEnv = natsAuthFields
  .refine((env) => !env.NATS_USER === !env.NATS_PASSWORD, {
    message: "NATS_USER and NATS_PASSWORD go together",
    path: ["NATS_PASSWORD"],
  })
  .refine((env) => !(env.NATS_USER && env.NATS_CREDS_FILE), {
    message: "set NATS_USER/NATS_PASSWORD or NATS_CREDS_FILE, not both",
    path: ["NATS_CREDS_FILE"],
  });
export type NatsAuthEnv = z.infer<typeof natsAuthEnv>;

const MIB = 1024 * 1024;
const streamBytes = z.coerce
  .number()
  .int()
  .min(MIB / 16)
  .max(Number.MAX_SAFE_INTEGER);

/**
 * The disk each JetStream stream may hold. Read by every service that creates the streams
 * (core/nats.ts ensureStreams), so give them all the same values. The NATS server must be able to
 * reserve their sum (its `max_file_store`), or the streams are not created.
 */
export const streamsEnv = z.object({
  /** Orders and every other canonical event; a full stream refuses new events (ingest answers 503). */
  EVENTS_MAX_BYTES: streamBytes.default(2048 * MIB),
  /** Browser SDK batches; a full stream drops its oldest batches. */
  BEHAVIOUR_MAX_BYTES: streamBytes.default(1024 * MIB),
});
export type StreamsEnv = z.infer<typeof streamsEnv>;

export const ingestEnv = commonEnv.extend({
  INGEST_HOST: z.string().default("127.0.0.1"),
  INGEST_PORT: port.default(8080),
  WEBHOOK_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 * 1024),
  /** How long a webhook may wait for JetStream's ack before we answer 503 (Shopify gives up at 5 s). */
  PUBLISH_TIMEOUT_MS: z.coerce.number().int().positive().default(2000),
  /** Key of the keyed hash that stands in for customer ids: identity without personal data. */
  CUSTOMER_HASH_KEY: secret("CUSTOMER_HASH_KEY"),
  /** Each connected WooCommerce / BigCommerce store's webhook secret derives from it (core/store-secrets.ts). */
  STORE_WEBHOOK_KEY: unsetIfEmpty(secret("STORE_WEBHOOK_KEY")),
});

/** A 256-bit key given as base64 (44 characters) or hex (64): AES-256-GCM for tokens at rest. */
const aesKey = (name: string) =>
  z.string().refine((value) => {
    const bytes = /^[0-9a-f]{64}$/i.test(value) ? 32 : Buffer.from(value, "base64").length;
    return bytes === 32;
  }, `${name} must be 32 bytes, as base64 or 64 hex digits (openssl rand -base64 32)`);

export const processorsEnv = commonEnv.extend({
  /** Rows are flushed to QuestDB when this many messages are waiting … */
  BATCH_MAX_MESSAGES: z.coerce.number().int().positive().default(5000),
  /** … or when their messages add up to this many bytes (well under the QuestDB client's 100 MiB buffer). */
  BATCH_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .max(64 * 1024 * 1024)
    .default(8 * 1024 * 1024),
  /**
   * … or when the oldest waiting message is this old. Every write is a QuestDB commit per table, and
   * a commit costs QuestDB about the same CPU whatever its size: 400 rather than 250 cut QuestDB's
   * CPU per order by 40 % at the max rate, freshness p99 still under 1 s (docs/benchmarks.md).
   */
  BATCH_MAX_WAIT_MS: z.coerce.number().int().positive().default(400),
  /** Deliveries after which a message that fails on its own goes to the dead-letter stream. */
  MAX_DELIVERIES: z.coerce.number().int().min(1).default(5),
  /** How long JetStream waits for an ack before redelivering (a crashed processor's batch returns after this). */
  ACK_WAIT_MS: z.coerce.number().int().min(1000).default(15_000),
  /** Orders fetched from a platform's API (BigCommerce, catch-up) hash customers like ingest does. */
  CUSTOMER_HASH_KEY: unsetIfEmpty(secret("CUSTOMER_HASH_KEY")),
  /** How often the catch-up asks each platform API for orders the webhooks missed. */
  CATCHUP_INTERVAL_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 60 * 1000),
  /** How far back the first catch-up looks (later ones start where the last one began, less the overlap). */
  CATCHUP_LOOKBACK_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(24 * 60 * 60 * 1000),
  /** One store's catch-up round stops (marked `over_time`) after this; the other stores never wait for it. */
  CATCHUP_STORE_BUDGET_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(10 * 60 * 1000),
  /** Pages of modified orders one store's round may read (then marked `over_pages`). */
  CATCHUP_STORE_MAX_PAGES: z.coerce.number().int().positive().default(1000),
  /** Stores caught up at the same time. */
  CATCHUP_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Opens the API credentials of stores connected through the connect service (absent: env-configured APIs only). */
  TOKEN_ENCRYPTION_KEY: unsetIfEmpty(aesKey("TOKEN_ENCRYPTION_KEY")),
  /** Refs resolved per batch: each costs platform API calls, which must finish within the ack wait. */
  FETCH_BATCH_MAX: z.coerce.number().int().positive().default(20),
});

/**
 * The connect service: the stores of `connectable` sources that connect with their own keys
 * (STORE_WEBHOOK_KEY) and the app installs sources declare (their `connectedBy`); each flow runs when
 * its switch is set. A source's own flow variables are its module's (`connect.env`, read by
 * connect/flows.ts), so the switches are checked on the whole environment, not only these fields.
 */
const connectFields = commonEnv.extend({
  CONNECT_HOST: z.string().default("127.0.0.1"),
  CONNECT_PORT: port.default(8081),
  /** Where browsers and platforms reach this service: OAuth redirects, key deliveries and app callbacks go here. */
  CONNECT_PUBLIC_URL: z.url().default("http://127.0.0.1:8081"),
  /** Behind a TLS proxy that sets X-Forwarded-For/-Proto: read the visitor's address and scheme from it. */
  CONNECT_TRUST_PROXY: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  /** Stores one visitor (client address) may start connecting a day; each starts a history job. */
  CONNECT_MAX_STORES_PER_VISITOR: z.coerce.number().int().positive().default(5),
  /** Where platforms deliver the order and inventory webhooks (ingest). */
  INGEST_PUBLIC_URL: z.url().default("http://127.0.0.1:8080"),
  /** Where storefronts load the browser SDK and send its beacons (the behaviour process): the script tag's origin. */
  BEHAVIOUR_PUBLIC_URL: z.url().default("http://127.0.0.1:8082"),
  /** Each connected store's webhook secret derives from it; ingest holds the same key. */
  STORE_WEBHOOK_KEY: unsetIfEmpty(secret("STORE_WEBHOOK_KEY")),
  TOKEN_ENCRYPTION_KEY: aesKey("TOKEN_ENCRYPTION_KEY"),
  CUSTOMER_HASH_KEY: secret("CUSTOMER_HASH_KEY"),
  /** The dashboard a connected store lands on; `{platform}` and `{shop}` are replaced. */
  DASHBOARD_URL: z
    .string()
    .default(
      "http://127.0.0.1:3000/d/metricsdash-live-sales/live-sales?var-platform={platform}&var-shop={shop}",
    ),
  /** Days of orders a newly connected store's history loads. */
  BACKFILL_DAYS: z.coerce.number().int().min(1).max(3650).default(60),
  PUBLISH_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
});

// Loose: the sources' switch variables are not connect's fields, yet the check must see them.
export const connectEnv = connectFields.loose().superRefine((env, ctx) => {
  if (connectWanted(env)) return;
  const { first, hint } = connectSwitches();
  ctx.addIssue({ code: "custom", path: [first], message: hint });
});

export type ConnectConfig = z.infer<typeof connectEnv>;
export type CommonConfig = z.infer<typeof commonEnv>;
export type IngestConfig = z.infer<typeof ingestEnv>;
export type ProcessorsConfig = z.infer<typeof processorsEnv>;
