import type { z } from "zod";
import type { Logger } from "../../core/log.ts";
import { KeysRefused } from "../adapter.ts";
import { SHOPIFY_API_VERSION } from "./constants.ts";

/**
 * A small Admin GraphQL client that manages Shopify's calculated-cost rate limit itself:
 * it reads `extensions.cost.throttleStatus` from every answer, keeps a local model of the
 * app+shop leaky bucket, waits before sending a query the bucket can't pay for yet, retries a
 * `THROTTLED` answer after exactly the time the missing points take to restore, and honours
 * `Retry-After` on 429/5xx. The library client retries blindly; a backfill wants to pace itself.
 */

/** `https://{shop}` unless SHOPIFY_API_URL overrides it (a fake or a proxy): `{shop}` is replaced by the domain. */
export function shopBaseUrl(shop: string, template?: string): string {
  return (template || "https://{shop}").replaceAll("{shop}", shop).replace(/\/+$/, "");
}

/** A `KeysRefused`: the catch-up marks a connected store failed on it, as for the other platforms. */
export class ShopifyAuthError extends KeysRefused {
  constructor(shop: string, status: number) {
    super(
      `Shopify refused the access token of ${shop} (HTTP ${status}): the app was uninstalled or the token revoked`,
    );
    this.name = "ShopifyAuthError";
  }
}

export class ShopifyGraphqlError extends Error {
  readonly codes: string[];
  constructor(message: string, codes: string[]) {
    super(message);
    this.name = "ShopifyGraphqlError";
    this.codes = codes;
  }
}

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

interface CostExtension {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus;
}

interface GraphqlAnswer {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[] | string;
  extensions?: { cost?: CostExtension };
}

export interface ClientStats {
  requests: number;
  throttled: number;
  retryAfter: number;
  waitedMs: number;
  actualCost: number;
}

export interface AdminClientOptions {
  shop: string;
  accessToken: string;
  apiUrl?: string | undefined;
  apiVersion?: string;
  log: Logger;
  signal?: AbortSignal;
  /** Attempts per query before giving up (throttling and transient failures both count). */
  maxAttempts?: number;
  fetch?: typeof fetch;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });

function retryAfterMs(header: string | null, attempt: number): number {
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  return Math.min(30_000, 500 * 2 ** attempt);
}

export class AdminClient {
  readonly shop: string;
  readonly endpoint: string;
  readonly stats: ClientStats = { requests: 0, throttled: 0, retryAfter: 0, waitedMs: 0, actualCost: 0 };
  private readonly options: AdminClientOptions;
  private bucket: (ThrottleStatus & { at: number }) | undefined;
  /** Requested cost last seen per query document: what the bucket must hold before we send it again. */
  private readonly expected = new Map<string, number>();

  constructor(options: AdminClientOptions) {
    this.options = options;
    this.shop = options.shop;
    this.endpoint = `${shopBaseUrl(options.shop, options.apiUrl)}/admin/api/${options.apiVersion ?? SHOPIFY_API_VERSION}/graphql.json`;
  }

  /** Points available now according to the last throttle status and the restore rate since. */
  availableNow(): number | undefined {
    if (!this.bucket) return undefined;
    const restored = ((Date.now() - this.bucket.at) / 1000) * this.bucket.restoreRate;
    return Math.min(this.bucket.maximumAvailable, this.bucket.currentlyAvailable + restored);
  }

  get throttleStatus(): ThrottleStatus | undefined {
    return this.bucket;
  }

  async request<S extends z.ZodType>(
    query: string,
    variables: Record<string, unknown>,
    schema: S,
  ): Promise<z.infer<S>> {
    const maxAttempts = this.options.maxAttempts ?? 30;
    const signal = this.options.signal;
    for (let attempt = 0; ; attempt++) {
      if (attempt >= maxAttempts)
        throw new Error(`Shopify GraphQL for ${this.shop}: gave up after ${maxAttempts} attempts`);
      await this.waitForBucket(this.expected.get(query));

      let response: Response;
      try {
        response = await (this.options.fetch ?? fetch)(this.endpoint, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            "x-shopify-access-token": this.options.accessToken,
          },
          body: JSON.stringify({ query, variables }),
          signal: signal
            ? AbortSignal.any([signal, AbortSignal.timeout(60_000)])
            : AbortSignal.timeout(60_000),
        });
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        const delay = Math.min(30_000, 500 * 2 ** attempt);
        this.options.log.warn(
          { shop: this.shop, err: String(err), retryInMs: delay },
          "shopify unreachable, retrying",
        );
        await this.pause(delay);
        continue;
      }
      this.stats.requests++;

      if (response.status === 401 || response.status === 403) {
        await response.body?.cancel();
        throw new ShopifyAuthError(this.shop, response.status);
      }
      if (response.status === 429 || response.status >= 500) {
        await response.body?.cancel();
        const delay = retryAfterMs(response.headers.get("retry-after"), attempt);
        this.stats.retryAfter++;
        this.options.log.warn(
          { shop: this.shop, status: response.status, retryInMs: delay },
          "shopify asked us to wait (Retry-After)",
        );
        await this.pause(delay);
        continue;
      }
      const answer = (await response.json()) as GraphqlAnswer;
      const cost = answer.extensions?.cost;
      if (cost) {
        this.bucket = { ...cost.throttleStatus, at: Date.now() };
        this.expected.set(query, cost.requestedQueryCost);
        if (cost.actualQueryCost !== null) this.stats.actualCost += cost.actualQueryCost;
      }
      const errors = typeof answer.errors === "string" ? [{ message: answer.errors }] : (answer.errors ?? []);
      const codes = errors.map((e) => ("extensions" in e ? e.extensions?.code : undefined) ?? "");
      if (codes.includes("THROTTLED")) {
        this.stats.throttled++;
        if (cost && cost.requestedQueryCost > cost.throttleStatus.maximumAvailable) {
          throw new ShopifyGraphqlError(
            `Shopify GraphQL for ${this.shop}: the query requests ${cost.requestedQueryCost} points, more than the bucket holds (${cost.throttleStatus.maximumAvailable}); it can never run — ask for fewer objects per page`,
            codes,
          );
        }
        // The bucket model waits for exactly the missing points on the next loop.
        if (!cost) await this.pause(Math.min(30_000, 500 * 2 ** attempt));
        continue;
      }
      if (errors.length) {
        throw new ShopifyGraphqlError(
          `Shopify GraphQL for ${this.shop}: ${errors.map((e) => e.message).join("; ")}`,
          codes,
        );
      }
      const parsed = schema.safeParse(answer.data);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(
          `Shopify GraphQL for ${this.shop}: unexpected answer at ${issue?.path.join(".")}: ${issue?.message}`,
        );
      }
      return parsed.data;
    }
  }

  private async waitForBucket(cost: number | undefined): Promise<void> {
    const available = this.availableNow();
    if (cost === undefined || available === undefined || !this.bucket || available >= cost) return;
    const need = Math.min(cost, this.bucket.maximumAvailable) - available;
    await this.pause(Math.ceil((need / this.bucket.restoreRate) * 1000));
  }

  private async pause(ms: number): Promise<void> {
    this.stats.waitedMs += ms;
    await sleep(ms, this.options.signal);
  }
}
