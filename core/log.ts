import { pino, type DestinationStream, type Logger } from "pino";
import type { PlatformModule } from "../platforms/adapter.ts";
import { platforms } from "../platforms/index.ts";

/**
 * Paths that may hold secrets or personal data. Services never log payloads, but a header object or
 * a config slipped into a log line must not leak either. What is a source's own (its env secrets,
 * its signature headers) comes from the source's module; these are the ones every service shares.
 */
const SHARED_FIELDS = [
  "CUSTOMER_HASH_KEY",
  "TOKEN_ENCRYPTION_KEY",
  "STORE_WEBHOOK_KEY",
  "HEATMAP_TOKEN_KEY",
  "HEATMAP_OPEN_PASSWORD",
  "accessToken",
  "access_token",
  "credentials",
  "secret",
  "token",
  "password",
  // Personal data, named as the platforms name it.
  "email",
  "phone",
  "first_name",
  "last_name",
  "address1",
  "browser_ip",
];
const SHARED_HEADERS = ["authorization"];

// pino compiles paths into code; a name outside these shapes would make every logger throw.
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER = /^[a-z0-9-]+$/;

/** Every path censored for these sources: the shared names and each module's `redact` declaration. */
export function redactPaths(modules: readonly PlatformModule[] = platforms): string[] {
  const fields = new Set([...SHARED_FIELDS, ...modules.flatMap((m) => m.redact.fields)]);
  const headers = new Set([...SHARED_HEADERS, ...modules.flatMap((m) => m.redact.headers)]);
  for (const field of fields)
    if (!FIELD.test(field)) throw new Error(`log redaction: bad field name ${field}`);
  for (const header of headers)
    if (!HEADER.test(header)) throw new Error(`log redaction: bad header name ${header}`);
  return [...[...fields].map((f) => `*.${f}`), ...[...headers].map((h) => `headers["${h}"]`)];
}

export interface LoggerOptions {
  /** The sources whose names are censored (the registry unless a test adds its own). */
  modules?: readonly PlatformModule[];
  /** Where lines go (stdout unless a test reads them back). */
  destination?: DestinationStream;
}

export function createLogger(
  service: string,
  level = process.env.LOG_LEVEL ?? "info",
  options: LoggerOptions = {},
): Logger {
  const config = {
    name: service,
    level,
    redact: { paths: redactPaths(options.modules), censor: "[redacted]" },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

export type { Logger };
