import type { z } from "zod";
import type { CanonicalEvent } from "../core/events.ts";

/**
 * The one interface every platform implements. Ingest knows nothing about Shopify or WooCommerce:
 * it hands each delivery to the adapter registered under the route's name.
 */

/** What ingest hands an adapter: the headers (lower-case names) and the exact bytes received. */
export interface Delivery {
  header(name: string): string | undefined;
  rawBody: Buffer;
  receivedAt: string;
}

export type WebhookResult =
  /** Publish these events; the delivery is answered 200 once JetStream acked every one. */
  | { kind: "publish"; events: CanonicalEvent[] }
  /** Acknowledge with 200 and publish nothing (a ping, a topic we don't consume); counted per reason. */
  | { kind: "ignore"; reason: string };

export interface PlatformAdapter {
  readonly platform: string;
  /** Media types the platform posts; JSON when absent (WooCommerce also sends a form-encoded ping). */
  readonly contentTypes?: readonly string[];
  /** Is this delivery really from the platform? Timing-safe, over the raw bytes, before any parsing. */
  verify(delivery: Delivery): boolean;
  /** Parse, validate and normalise a verified delivery. Throws `InvalidPayload` for a bad body (400). */
  handle(delivery: Delivery): WebhookResult;
}

export interface PlatformModule<Env extends z.ZodType = z.ZodType> {
  readonly platform: string;
  /** The env variables the adapter reads; all absent means "not configured", which is not an error. */
  readonly env: Env;
  readonly configuredBy: string[];
  create(env: z.infer<Env>, shared: { customerHashKey: string }): PlatformAdapter;
}

export class InvalidPayload extends Error {
  readonly field: string | undefined;

  constructor(message: string, field?: string) {
    super(message);
    this.name = "InvalidPayload";
    this.field = field;
  }

  static fromZod(error: z.ZodError, what: string): InvalidPayload {
    const issue = error.issues[0];
    const field = issue?.path.join(".") ?? "";
    return new InvalidPayload(`${what}: ${field ? `${field}: ` : ""}${issue?.message ?? "invalid"}`, field);
  }
}
