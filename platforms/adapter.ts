import type { z } from "zod";
import type { CanonicalEvent, RefEvent, ShopInfo } from "../core/events.ts";
import type { Logger } from "../core/log.ts";
import type { ShopTable } from "../core/shop-data.ts";

/**
 * The one interface every platform implements. Ingest knows nothing about Shopify or WooCommerce:
 * it hands each delivery to the adapter registered under the route's name.
 */

/** What ingest hands an adapter: the headers (lower-case names) and the exact bytes received. */
export interface Delivery {
  header(name: string): string | undefined;
  /** A query parameter of the delivery's URL (ShipStation's only authentication is a token we put there). */
  query?(name: string): string | undefined;
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
  /**
   * Is this delivery really from the platform? Timing-safe, over the raw bytes, before any parsing.
   * A promise only where a key must first be fetched (PayPal's signing certificate, cached by URL).
   */
  verify(delivery: Delivery): boolean | Promise<boolean>;
  /** Parse, validate and normalise a verified delivery. Throws `InvalidPayload` for a bad body (400). */
  handle(delivery: Delivery): WebhookResult;
}

/**
 * A platform's API, used off the hot path by `processors/fetchers`: resolving thin references and
 * catching up on what webhooks missed (platforms disable hooks that keep failing). Every call honours
 * the platform's rate limits; what it returns is published through the same dedupe as webhooks.
 */
export interface PlatformApi {
  readonly platform: string;
  /** The shop this API speaks for, named exactly as the webhooks name it. */
  readonly shop: string;
  /** Canonical events for a reference (`[]` when the resource no longer exists). */
  resolve(ref: RefEvent): Promise<CanonicalEvent[]>;
  /** Orders modified at or after `since`, page by page, as events (orders, or refs to resolve). */
  ordersModifiedSince(since: Date, receivedAt: string): AsyncIterable<CanonicalEvent[]>;
  /** Turns webhooks the platform disabled after failed deliveries back on; how many it turned on. */
  reactivateHooks(): Promise<number>;
  /** The shop's currency and time zone, from the platform's store settings (absent for shippers and processors, which have no shop). */
  shopInfo?(): Promise<Omit<ShopInfo, "updatedAt">>;
  /**
   * The platform's own number of sales created in `[from, to)`, counted as our sales figures count
   * them (test orders left out, cancelled ones out): what the reconciliation compares with QuestDB.
   * `grossMinor` is their total when the platform sums it for us, `null` when only a count is cheap.
   */
  countOrders?(window: { from: Date; to: Date }): Promise<PlatformCount>;
  /**
   * Orders created in `[from, to)`, page by page, as events: what a reconciliation re-reads for a
   * day whose numbers differ. Platforms with `historyPage` get this from it.
   */
  ordersCreatedIn?(window: { from: Date; to: Date }, receivedAt: string): AsyncIterable<CanonicalEvent[]>;
  /**
   * Subscribes the store's webhooks MetricsDash consumes to `deliveryUrl`, signed with `secret`
   * (idempotent: ours that exist are kept, or given the current secret); the topics subscribed.
   */
  subscribeWebhooks?(deliveryUrl: string, secret: string): Promise<string[]>;
  /**
   * One page of the orders created in `[from, to)`, oldest first, for a backfill. A window fixed in
   * the past keeps pages stable while the backfill runs (orders changed meanwhile come by webhook),
   * so a checkpoint of the next page number resumes without gaps.
   */
  historyPage?(
    window: { from: Date; to: Date },
    page: number,
    receivedAt: string,
  ): Promise<{ events: CanonicalEvent[]; totalPages: number; totalOrders: number | null }>;
  /**
   * One page of the store's current stock (`inventory_level` events as of `receivedAt`), so a store
   * that just connected has levels before its next stock change fires a webhook.
   */
  stockPage?(page: number, receivedAt: string): Promise<{ events: CanonicalEvent[]; totalPages: number }>;
}

export interface PlatformCount {
  orders: number;
  grossMinor: number | null;
}

/** What every adapter and API shares: the customer hash key, and the key per-store webhook secrets derive from. */
export interface Shared {
  customerHashKey: string;
  /** STORE_WEBHOOK_KEY: present when stores connect through the connect service (core/store-secrets.ts). */
  storeWebhookKey?: string | undefined;
}

export interface PlatformApiModule<Env extends z.ZodType = z.ZodType> {
  /** The env variables the API needs; all absent means "no API access", which is not an error. */
  readonly env: Env;
  readonly configuredBy: string[];
  create(env: z.infer<Env>, shared: { customerHashKey: string; log: Logger }): PlatformApi;
  /** Stores connected through the connect service: their credentials' schema, and the API built from them. */
  readonly connected?: ConnectedApi;
}

export interface ConnectedApi<Credentials extends z.ZodType = z.ZodType> {
  readonly credentials: Credentials;
  create(credentials: z.infer<Credentials>, shared: { customerHashKey: string; log: Logger }): PlatformApi;
}

export interface PlatformModule<Env extends z.ZodType = z.ZodType> {
  readonly platform: string;
  /** The env variables the adapter reads; all absent means "not configured", which is not an error. */
  readonly env: Env;
  readonly configuredBy: string[];
  /**
   * `env` is undefined when none of its variables is set and the adapter runs only for stores
   * connected through the connect service (`connectable`, with STORE_WEBHOOK_KEY set).
   */
  create(env: z.infer<Env> | undefined, shared: Shared): PlatformAdapter;
  /** Stores of this platform can connect through the connect service, each with its own webhook secret. */
  readonly connectable?: boolean;
  /**
   * Env variables that switch on a connect flow of the source's own (an app install), beside
   * STORE_WEBHOOK_KEY for `connectable` sources: the start command runs the connect service, and
   * connect's config accepts starting, when one is set (platforms/connect-switch.ts).
   */
  readonly connectedBy?: readonly string[];
  /** Present when the platform has an API we read (thin webhooks, catch-up). */
  readonly api?: PlatformApiModule;
  /** What logs must never show of this source (core/log.ts censors it in every service's logger). */
  readonly redact: Redaction;
  /**
   * Tables of this source's own that hold per-shop rows (beyond the shared ones the processors and
   * alerting declare), so `shop/redact` removes the shop from them too. Empty for today's platforms:
   * their events land in the shared tables.
   */
  readonly shopData?: readonly ShopTable[];
}

/** Names that carry a source's secrets, censored by pino wherever they appear one level down in a log line. */
export interface Redaction {
  /**
   * Env variables and object fields holding the source's secrets (its webhook secret, API tokens):
   * a config or a credentials object slipped into a log line must not leak them.
   */
  readonly fields: readonly string[];
  /** Request headers (lower case) that carry a signature or a token, as in `headers["x-…"]`. */
  readonly headers: readonly string[];
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

/** Validates a platform payload, turning the first zod issue into a 400 that names the field. */
export function parsePayload<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw InvalidPayload.fromZod(result.error, what);
  return result.data;
}

/**
 * A reference that can never be resolved, whatever the state of the services (e.g. a `resource_url`
 * on a host other than the configured API): dead-lettered with this reason instead of fetched.
 */
export class RefRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefRefused";
  }
}

/**
 * The platform refused the store's keys (HTTP 401): revoked, deleted, or the app uninstalled. No retry
 * helps; the store has to connect again.
 */
export class KeysRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeysRefused";
  }
}
