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
  /** … or when the oldest waiting message is this old. */
  BATCH_MAX_WAIT_MS: z.coerce.number().int().positive().default(250),
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
  /** Opens the API credentials of stores connected through the connect service (absent: env-configured APIs only). */
  TOKEN_ENCRYPTION_KEY: unsetIfEmpty(aesKey("TOKEN_ENCRYPTION_KEY")),
  /** Refs resolved per batch: each costs platform API calls, which must finish within the ack wait. */
  FETCH_BATCH_MAX: z.coerce.number().int().positive().default(20),
});

/**
 * The connect service: Shopify's app install (SHOPIFY_API_KEY) and the stores that connect with their
 * own keys, WooCommerce and BigCommerce (STORE_WEBHOOK_KEY); each part runs when its variables are set.
 */
export const connectEnv = commonEnv
  .extend({
    CONNECT_HOST: z.string().default("127.0.0.1"),
    CONNECT_PORT: port.default(8081),
    /** Where browsers and platforms reach this service: OAuth redirects, key deliveries and app callbacks go here. */
    CONNECT_PUBLIC_URL: z.url().default("http://127.0.0.1:8081"),
    /** Where platforms deliver the order and inventory webhooks (ingest). */
    INGEST_PUBLIC_URL: z.url().default("http://127.0.0.1:8080"),
    SHOPIFY_API_KEY: unsetIfEmpty(z.string()),
    SHOPIFY_API_SECRET: unsetIfEmpty(secret("SHOPIFY_API_SECRET")),
    /** Replaces `https://{shop}` for every Shopify call (a fake, a proxy); must contain `{shop}`. */
    SHOPIFY_API_URL: unsetIfEmpty(
      z.string().regex(/^https?:\/\/.*\{shop\}/, "SHOPIFY_API_URL must be an http(s) URL containing {shop}"),
    ),
    /** Each WooCommerce / BigCommerce store's webhook secret derives from it; ingest holds the same key. */
    STORE_WEBHOOK_KEY: unsetIfEmpty(secret("STORE_WEBHOOK_KEY")),
    /** The BigCommerce app's client id and secret (Developer Portal), for installs from the BigCommerce control panel. */
    BIGCOMMERCE_CLIENT_ID: unsetIfEmpty(z.string()),
    BIGCOMMERCE_CLIENT_SECRET: unsetIfEmpty(secret("BIGCOMMERCE_CLIENT_SECRET")),
    /** BigCommerce's OAuth server and REST API; a fake or a proxy can stand in. */
    BIGCOMMERCE_LOGIN_URL: z.url().default("https://login.bigcommerce.com"),
    BIGCOMMERCE_API_URL: z.url().default("https://api.bigcommerce.com"),
    TOKEN_ENCRYPTION_KEY: aesKey("TOKEN_ENCRYPTION_KEY"),
    CUSTOMER_HASH_KEY: secret("CUSTOMER_HASH_KEY"),
    /** The dashboard a connected store lands on; `{platform}` and `{shop}` are replaced. */
    DASHBOARD_URL: z
      .string()
      .default(
        "http://127.0.0.1:3000/d/metricsdash-live-sales/live-sales?var-platform={platform}&var-shop={shop}",
      ),
    BACKFILL_DAYS: z.coerce.number().int().min(1).max(3650).default(60),
    /** `bulk` exports orders with a bulk operation; `paginated` pages through them under the cost limit. */
    BACKFILL_MODE: z.enum(["bulk", "paginated"]).default("bulk"),
    BACKFILL_PAGE_SIZE: z.coerce.number().int().min(1).max(11).default(10),
    BACKFILL_POLL_MS: z.coerce.number().int().positive().default(1000),
    PUBLISH_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  })
  .superRefine((env, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: "custom", path: [path], message });
    if (env.SHOPIFY_API_KEY && !env.SHOPIFY_API_SECRET)
      problem("SHOPIFY_API_SECRET", "SHOPIFY_API_SECRET is required with SHOPIFY_API_KEY");
    if (!connectWanted(env)) {
      const { first, hint } = connectSwitches();
      problem(first, hint);
    }
    if (Boolean(env.BIGCOMMERCE_CLIENT_ID) !== Boolean(env.BIGCOMMERCE_CLIENT_SECRET))
      problem("BIGCOMMERCE_CLIENT_SECRET", "BIGCOMMERCE_CLIENT_ID and BIGCOMMERCE_CLIENT_SECRET go together");
  });

export type ConnectConfig = z.infer<typeof connectEnv>;
export type CommonConfig = z.infer<typeof commonEnv>;
export type IngestConfig = z.infer<typeof ingestEnv>;
export type ProcessorsConfig = z.infer<typeof processorsEnv>;
