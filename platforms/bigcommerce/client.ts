import { parseJsonExact } from "../../core/json.ts";
import type { Logger } from "../../core/log.ts";
import { KeysRefused } from "../adapter.ts";

export interface BcResponse {
  status: number;
  json: unknown;
}

export interface BigCommerceClientOptions {
  apiUrl: string;
  storeHash: string;
  accessToken: string;
  log: Logger;
  /** Attempts for one request through 429s and 5xx before giving up (the caller retries later). */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  /** The longest single wait (a person waiting on connect's page is less patient than the fetchers). */
  maxWaitMs?: number;
  /** Per request. */
  timeoutMs?: number;
}

export class RateLimited extends Error {}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * BigCommerce's REST API for one store, within its rate limit. Every response says how many requests
 * are left in the window (`X-Rate-Limit-Requests-Left`) and when it resets
 * (`X-Rate-Limit-Time-Reset-Ms`): when none are left we wait for the reset instead of spending a
 * request on a 429; a 429 anyway (other apps share the store's quota) waits for the reset it names.
 */
export class BigCommerceClient {
  private readonly base: string;
  private readonly options: BigCommerceClientOptions;
  private readonly sleep: (ms: number) => Promise<void>;
  private left: number | undefined;
  private resetAt = 0;
  private readonly maxWaitMs: number;
  /** Requests answered 429, for logs and tests. */
  throttled = 0;

  constructor(options: BigCommerceClientOptions) {
    this.options = options;
    this.base = `${options.apiUrl.replace(/\/+$/, "")}/stores/${options.storeHash}`;
    this.sleep = options.sleep ?? sleepFor;
    this.maxWaitMs = options.maxWaitMs ?? 30_000;
  }

  async request(method: string, path: string, body?: unknown): Promise<BcResponse> {
    const response = await this.send(method, path, body);
    const text = await response.text();
    if (response.status === 404 || response.status === 204) return { status: response.status, json: null };
    if (!response.ok) {
      const problem = `BigCommerce ${method} ${path} answered ${response.status}: ${text.slice(0, 200)}`;
      throw response.status === 401 ? new KeysRefused(problem) : new Error(problem);
    }
    return { status: response.status, json: text ? parseJsonExact(text) : null };
  }

  /**
   * A GET whose status is the answer (connect asks whether a token may read a resource): any status
   * but 429 and 5xx is returned, not thrown, with the body's text.
   */
  async probe(path: string): Promise<{ status: number; text: string }> {
    const response = await this.send("GET", path);
    return { status: response.status, text: await response.text() };
  }

  /**
   * The one loop through BigCommerce's rate limit: waits for the window's reset when none are left,
   * retries a 429 after the reset it names and a 5xx or network failure with back-off.
   */
  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    const maxAttempts = this.options.maxAttempts ?? 6;
    for (let attempt = 1; ; attempt++) {
      if (this.left !== undefined && this.left <= 0 && Date.now() < this.resetAt) {
        await this.sleep(Math.min(this.maxWaitMs, this.resetAt - Date.now()));
      }
      let response: Response;
      try {
        response = await fetch(`${this.base}${path}`, {
          method,
          headers: {
            "x-auth-token": this.options.accessToken,
            accept: "application/json",
            ...(body ? { "content-type": "application/json" } : {}),
          },
          ...(body ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
        });
      } catch (err) {
        if (attempt >= maxAttempts)
          throw new Error(`BigCommerce ${method} ${path} unreachable: ${String(err)}`, { cause: err });
        await this.sleep(Math.min(this.maxWaitMs, 250 * 2 ** attempt));
        continue;
      }
      const resetMs = this.readLimits(response);
      if (response.status !== 429 && response.status < 500) return response;
      await response.body?.cancel();
      if (response.status === 429) this.throttled++;
      const wait = response.status === 429 && resetMs > 0 ? resetMs : 250 * 2 ** attempt;
      if (attempt >= maxAttempts) {
        throw new RateLimited(`BigCommerce ${method} ${path} answered ${response.status} ${attempt} times`);
      }
      this.options.log.warn(
        { platform: "bigcommerce", status: response.status, path, waitMs: Math.min(this.maxWaitMs, wait) },
        "BigCommerce asked us to wait",
      );
      await this.sleep(Math.min(this.maxWaitMs, wait));
    }
  }

  /** Remembers the window's remaining requests and reset; the reset in ms (NaN-safe: 0 when absent). */
  private readLimits(response: Response): number {
    const resetMs = Number(response.headers.get("x-rate-limit-time-reset-ms") ?? "");
    const left = Number(response.headers.get("x-rate-limit-requests-left") ?? "");
    if (Number.isFinite(left) && response.headers.has("x-rate-limit-requests-left")) this.left = left;
    if (Number.isFinite(resetMs) && resetMs >= 0) this.resetAt = Date.now() + resetMs;
    return Number.isFinite(resetMs) ? resetMs : 0;
  }

  get(path: string): Promise<BcResponse> {
    return this.request("GET", path);
  }

  /** A V2 collection, page by page until a short page (V2 answers 204 past the end). */
  async *pages(path: string, limit = 250): AsyncIterable<unknown[]> {
    const separator = path.includes("?") ? "&" : "?";
    for (let page = 1; ; page++) {
      const { json } = await this.get(`${path}${separator}limit=${limit}&page=${page}`);
      const items = Array.isArray(json) ? json : [];
      if (items.length) yield items;
      if (items.length < limit) return;
    }
  }
}
