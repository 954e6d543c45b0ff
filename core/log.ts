import { pino, type Logger } from "pino";

/**
 * Paths that may hold secrets or personal data. Services never log payloads, but a header object or
 * a config slipped into a log line must not leak either.
 */
const REDACT = [
  "*.SHOPIFY_API_SECRET",
  "*.CUSTOMER_HASH_KEY",
  "*.WOOCOMMERCE_WEBHOOK_SECRET",
  "*.BIGCOMMERCE_ACCESS_TOKEN",
  "*.BIGCOMMERCE_WEBHOOK_SECRET",
  "*.TOKEN_ENCRYPTION_KEY",
  "*.accessToken",
  "*.WOOCOMMERCE_CONSUMER_SECRET",
  "*.STORE_WEBHOOK_KEY",
  "*.HEATMAP_TOKEN_KEY",
  "*.BIGCOMMERCE_CLIENT_SECRET",
  "*.consumer_key",
  "*.consumer_secret",
  "*.consumerKey",
  "*.consumerSecret",
  "*.access_token",
  "*.credentials",
  "*.secret",
  'headers["x-shopify-hmac-sha256"]',
  'headers["x-wc-webhook-signature"]',
  'headers["x-webhook-secret"]',
  'headers["x-auth-token"]',
  'headers["authorization"]',
  "*.email",
  "*.phone",
  "*.first_name",
  "*.last_name",
  "*.address1",
  "*.browser_ip",
  "*.token",
  "*.password",
];

export function createLogger(service: string, level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ name: service, level, redact: { paths: REDACT, censor: "[redacted]" } });
}

export type { Logger };
