import { z } from "zod";

/**
 * Every service reads its settings from the environment through a zod schema, so a typo or a
 * missing secret stops the process at start-up with the variable's name, not at the first request.
 */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => `${issue.path.join(".") || "(env)"}: ${issue.message}`),
  );
}

const port = z.coerce.number().int().min(1).max(65535);
const secret = (what: string) => z.string().min(16, `${what} must be at least 16 characters`);

/** Settings every service shares: where the broker and the database are, how loud to log. */
export const commonEnv = z.object({
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  QUESTDB_HTTP_URL: z.url().default("http://127.0.0.1:9000"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

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
});

export const processorsEnv = commonEnv.extend({
  /** Rows are flushed to QuestDB when this many messages are waiting … */
  BATCH_MAX_MESSAGES: z.coerce.number().int().positive().default(5000),
  /** … or when the oldest waiting message is this old. */
  BATCH_MAX_WAIT_MS: z.coerce.number().int().positive().default(250),
  /** Deliveries after which a message that fails on its own goes to the dead-letter stream. */
  MAX_DELIVERIES: z.coerce.number().int().min(1).default(5),
  /** How long JetStream waits for an ack before redelivering (a crashed processor's batch returns after this). */
  ACK_WAIT_MS: z.coerce.number().int().min(1000).default(15_000),
  /** Orders fetched from a platform's API (BigCommerce, catch-up) hash customers like ingest does. */
  CUSTOMER_HASH_KEY: secret("CUSTOMER_HASH_KEY").optional(),
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
  /** Refs resolved per batch: each costs platform API calls, which must finish within the ack wait. */
  FETCH_BATCH_MAX: z.coerce.number().int().positive().default(20),
});

export type CommonConfig = z.infer<typeof commonEnv>;
export type IngestConfig = z.infer<typeof ingestEnv>;
export type ProcessorsConfig = z.infer<typeof processorsEnv>;
