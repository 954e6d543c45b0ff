import type { KV } from "@nats-io/kv";
import type { z } from "zod";
import type { CanonicalEvent, RefEvent, ShopInfo } from "../core/events.ts";
import type { Logger } from "../core/log.ts";
import type { ShopTable } from "../core/shop-data.ts";
import type { ConnectFlow } from "../connect/flow.ts";
import type { HistoryReader } from "../connect/progress.ts";
import type { FeedFactory, Webhook } from "../demo/feed.ts";
import type { DemoStoreOptions } from "../demo/store.ts";
import type { OrderSpec } from "../demo/specs.ts";

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
   * `grossMinor` is their total of the same orders, `null` when the platform could not give it (a day
   * too large to page within its bounds).
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
  /**
   * How the source's stores connect: its block on the connect page and its routes (a `connectable`
   * source's stores with their own keys, when STORE_WEBHOOK_KEY is set; an app install of the
   * source's own, when one of `connectedBy` is set). The connect service mounts every flow that is
   * switched on (platforms/connect-switch.ts); none names a platform there.
   */
  readonly connect?: SourceConnect;
  /** Present when the platform has an API we read (thin webhooks, catch-up). */
  readonly api?: PlatformApiModule;
  /**
   * The https origin a connected store's storefront serves pages from, given the shop as the source
   * names it: the connect service lets the browser SDK post from there (ingest/behaviour/site-bucket.ts).
   * Absent for sources with no storefront (payment processors, shippers).
   */
  readonly storefrontOrigin?: (shop: string) => string;
  /**
   * The storefront's own URL patterns per funnel step (`/products/*`), for browser SDK sites that set
   * none of their own (ingest/behaviour/funnel.ts); absent, a site names its steps itself.
   */
  readonly storefrontFunnel?: StorefrontFunnel;
  /** What logs must never show of this source (core/log.ts censors it in every service's logger). */
  readonly redact: Redaction;
  /**
   * Tables of this source's own that hold per-shop rows (beyond the shared ones the processors and
   * alerting declare), so `shop/redact` removes the shop from them too. Empty for today's platforms:
   * their events land in the shared tables.
   */
  readonly shopData?: readonly ShopTable[];
  /** The source's shop in the demo store (`platforms/<name>/demo/`); absent when the demo has none. */
  readonly demo?: DemoOutlet;
  /** The source's part in the demo when it runs no shop but acts on the shops' orders (a shipper). */
  readonly demoFollower?: DemoFollower;
}

/** Path patterns (`*` for any run of characters) of each funnel step's pages; validated by ingest's site schema. */
export interface StorefrontFunnel {
  readonly product: readonly string[];
  readonly cart: readonly string[];
  readonly checkout: readonly string[];
}

/**
 * A source's shop in the demo store. `demo/` knows no platform: the start command asks each outlet
 * for its variables (`wire`), the demo process checks `env` for the outlets that run and opens each
 * (`open`): a feed rendering the shared simulation as the platform's webhooks, their headers (the
 * signature), and whatever the platform's side must serve (BigCommerce's API). A source added to the
 * demo (payments, shippers, a storefront) declares one of these and nothing in `demo/` changes.
 */
export interface DemoOutlet<Env extends z.ZodType = z.ZodType> {
  /** "your own Xyz settings win": how the log names the platform to a person. */
  readonly label: string;
  /** Its share of the demo's order rate, and its seed's step from `DEMO_SEED` (fixed: a replay depends on it). */
  readonly traffic: { share: number; seedStep: number };
  /** The topic a new order is announced with: the demo counts its orders by it. */
  readonly orderCreatedTopic: string;
  /**
   * In the start command, before anything runs: the variables the stack and the demo process need for
   * this shop (secrets made per run with `secret`, ports with `port`), or why the demo leaves the
   * platform alone (a user's own settings win).
   */
  wire(env: Readonly<Record<string, string | undefined>>, tools: DemoWireTools): Promise<DemoWired>;
  /** The demo process's variables for this shop, checked only when it runs (errors name them). */
  readonly env: Env;
  /** The shop as ingest will name it, and what tells it apart from the other shops. */
  shop(env: z.infer<Env>): DemoShopSpec;
  /** The shop's feed and webhook headers; `serve` starts what the platform's side answers (its API). */
  open(env: z.infer<Env>, shop: DemoShopSpec, webhookUrl: string): DemoOpened;
  /** The order's number as the shop's integrations give it to shippers (default: the bare number). */
  orderReference?(order: OrderSpec): string;
}

/** A demo shop's order, as a source acting on it (a shipper) sees it. */
export interface DemoOrder {
  platform: string;
  shop: string;
  spec: OrderSpec;
  /** The shop's currency (its money is in this currency's minor units): what a gateway charges in. */
  currency: string;
  /** What the shop's integrations call it (ShipStation's `orderNumber`, Shippo's `metadata`). */
  reference: string;
}

/**
 * A source in the demo that runs no shop of its own but acts on the demo shops' orders: a shipper
 * buys labels for some of them and reports the parcels. Wired like a shop's outlet (a user's own
 * settings win); it takes the orders whose hash falls in its `slice` of [0, 1), so two shippers
 * never ship one order.
 */
export interface DemoFollower<Env extends z.ZodType = z.ZodType> {
  readonly label: string;
  readonly traffic: { slice: readonly [number, number]; seedStep: number };
  wire(env: Readonly<Record<string, string | undefined>>, tools: DemoWireTools): Promise<DemoWired>;
  readonly env: Env;
  /** `webhookUrl` is ingest's route for the source; the follower adds its own authentication. */
  open(env: z.infer<Env>, seed: number, webhookUrl: string): DemoFollowing;
}

export interface DemoFollowing {
  /** Where its webhooks go (`webhookUrl` and, for shippers, the token in it). */
  readonly url: string;
  headers(webhook: Webhook, body: string): Record<string, string>;
  /** An order it takes was paid at `at`: what follows is scheduled, due by `advance`. */
  orderPaid(order: DemoOrder, at: number): void;
  /** The order was cancelled at `at`: nothing of it is due after that. */
  orderCancelled(order: DemoOrder, at: number): void;
  /** Every webhook due up to `until`, in time order. */
  advance(until: number): Webhook[];
  serve?(log: Logger): Promise<() => Promise<void>>;
}

export interface DemoWireTools {
  /** A fresh secret for this run only (never written to `.env`). */
  secret(): string;
  /** A free local port (or the user's fixed one). */
  port(): Promise<number>;
}

export type DemoWired =
  | {
      /** For ingest and the processors (verify and fetch with these); the demo process gets them too. */
      stackEnv: Record<string, string>;
      /** For the demo process only. */
      demoEnv?: Record<string, string>;
      /** Shops whose zone no platform API tells the processors (merged into SHOP_TIMEZONES). */
      timeZones?: Record<string, string>;
      /** Local ports the demo process serves that the stack needs before it starts. */
      serves?: number[];
    }
  | { skipped: string };

export interface DemoShopSpec {
  /** The shop token ingest publishes under. */
  shop: string;
  currency: string;
  timeZone: string;
  store: Pick<DemoStoreOptions, "taxRate" | "shippingMinor" | "freeShippingFromMinor">;
}

export interface DemoOpened {
  feed: FeedFactory;
  headers(webhook: Webhook, body: string): Record<string, string>;
  /** Starts what the platform's side of the shop answers; resolves to how to stop it. */
  serve?(log: Logger): Promise<() => Promise<void>>;
}

/**
 * A source's connect flow, built by the connect service from the flow's own variables (checked at
 * connect's start-up, each error naming its variable). The flow's module is loaded on demand: only
 * connect runs it, and it builds on connect/ (stores.ts, pages.ts), which ingest never loads.
 */
export interface SourceConnect<Env extends z.ZodType = z.ZodType> {
  readonly env: Env;
  flow(env: z.infer<Env>, shared: ConnectShared): Promise<ConnectFlow>;
  /**
   * A flow that runs its own history job (not connect/history.ts): its progress read from its own
   * checkpoints with a bucket alone, so the CLI follows it without the flow's variables or keys.
   */
  history?(bucket: ConnectShared["bucket"]): Promise<HistoryReader>;
}

export interface ConnectShared {
  /** Where browsers and platforms reach the connect service (CONNECT_PUBLIC_URL). */
  connectUrl: string;
  /** The name shown to merchants on the platform's approval pages. */
  appName: string;
  log: Logger;
  /** A NATS KV bucket of the flow's own (created when missing), for state only the flow reads. */
  bucket(name: string, options: { history: number }): Promise<KV>;
  /** TOKEN_ENCRYPTION_KEY: what the flow seals at rest with (core/seal.ts), as connections are. */
  sealKey: Buffer;
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

/**
 * A platform API answer a fetcher can't use (not 2xx, and not the 401 or 429 it handles itself):
 * the round stops and the next one asks again.
 */
export class PlatformApiError extends Error {
  readonly platform: string;
  readonly status: number;

  constructor(platform: string, status: number, url: string) {
    super(`${platform} answered ${status} for ${new URL(url).pathname}`);
    this.name = "PlatformApiError";
    this.platform = platform;
    this.status = status;
  }
}
