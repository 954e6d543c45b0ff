import { readBoundedText } from "../../core/bounded-read.ts";
import { parseJsonExact } from "../../core/json.ts";
import type { Logger } from "../../core/log.ts";
import { KeysRefused } from "../adapter.ts";

/** A Stripe API answer we can't use; the fetchers retry (redelivery, or the next catch-up round). */
export class StripeApiError extends Error {
  readonly status: number;
  /** Stripe's `error.type` (`invalid_request_error`, `api_error`…), when the body said. */
  readonly type: string | undefined;

  constructor(status: number, path: string, type?: string) {
    super(`Stripe answered ${status}${type ? ` (${type})` : ""} for ${path}`);
    this.name = "StripeApiError";
    this.status = status;
    this.type = type;
  }
}

export interface StripeClientOptions {
  apiUrl: string;
  apiKey: string;
  log: Logger;
  /** Attempts through 429s, 5xx and network errors before the request fails (the caller retries later). */
  maxAttempts?: number;
  /** The first back-off; each retry doubles it, with jitter, up to `maxWaitMs`. */
  baseWaitMs?: number;
  maxWaitMs?: number;
  timeoutMs?: number;
  maxBytes?: number;
  sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Stripe's REST API with a secret (or restricted, read-only) key, as Bearer auth. Stripe's 429 —
 * its rate limiter, or a lock on the object — comes with no `Retry-After`; its docs ask for
 * exponential back-off with jitter, and its libraries also follow `Stripe-Should-Retry` (false: don't).
 * Only paths on the configured base are requested.
 */
export class StripeClient {
  private readonly base: string;
  private readonly options: Required<Omit<StripeClientOptions, "apiKey">>;
  private readonly auth: string;
  /** Requests answered 429, for logs and tests. */
  throttled = 0;

  constructor(options: StripeClientOptions) {
    this.base = options.apiUrl.replace(/\/+$/, "");
    this.auth = `Bearer ${options.apiKey}`;
    this.options = {
      maxAttempts: 6,
      baseWaitMs: 500,
      maxWaitMs: 20_000,
      timeoutMs: 20_000,
      maxBytes: 4 * 1024 * 1024,
      sleep: sleepFor,
      ...options,
    };
  }

  /** GET `path` (with `query`), the parsed JSON body; 404 is `null` (the object is gone). */
  async get(path: string, query: [string, string][] = []): Promise<unknown> {
    const url = new URL(`${this.base}${path}`);
    for (const [name, value] of query) url.searchParams.append(name, value);
    for (let attempt = 1; ; attempt++) {
      const response = await this.send(url, attempt);
      if (!response) continue;
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      const text = await readBoundedText(response, this.options.maxBytes);
      if (response.ok) return parseJsonExact(text);
      const type = errorType(text);
      if (response.status === 401) throw new KeysRefused(`Stripe refused STRIPE_API_KEY (401 ${type ?? ""})`);
      if (!retryable(response) || attempt >= this.options.maxAttempts)
        throw new StripeApiError(response.status, url.pathname, type);
      this.throttled += response.status === 429 ? 1 : 0;
      await this.backOff(attempt, url.pathname, response.status, retryAfterMs(response));
    }
  }

  /** One attempt; `undefined` when it failed on the network and was waited for (retry). */
  private async send(url: URL, attempt: number): Promise<Response | undefined> {
    try {
      return await fetch(url, {
        headers: { authorization: this.auth, accept: "application/json" },
        redirect: "error",
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      if (attempt >= this.options.maxAttempts)
        throw new StripeApiError(0, `${url.pathname} (unreachable: ${String(err)})`);
      await this.backOff(attempt, url.pathname, 0);
      return undefined;
    }
  }

  private async backOff(attempt: number, path: string, status: number, askedMs?: number): Promise<void> {
    const ceiling = Math.min(this.options.maxWaitMs, this.options.baseWaitMs * 2 ** (attempt - 1));
    // Jitter (half to all of the ceiling): replicas throttled together don't come back together.
    const jittered = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    const wait = askedMs === undefined ? jittered : Math.min(askedMs, this.options.maxWaitMs);
    this.options.log.warn({ platform: "stripe", status, path, waitMs: wait }, "Stripe API: backing off");
    await this.options.sleep(wait);
  }
}

/** Stripe says when a retry cannot help (`Stripe-Should-Retry: false`); otherwise 429 and 5xx may pass. */
function retryable(response: Response): boolean {
  const should = response.headers.get("stripe-should-retry");
  if (should === "false") return false;
  if (should === "true") return true;
  return response.status === 429 || response.status >= 500;
}

/** Stripe's 429s normally carry no `Retry-After`; when one does (seconds), it is the wait. */
function retryAfterMs(response: Response): number | undefined {
  const seconds = Number(response.headers.get("retry-after") ?? "");
  return response.headers.has("retry-after") && Number.isFinite(seconds) && seconds >= 0
    ? seconds * 1000
    : undefined;
}

function errorType(text: string): string | undefined {
  try {
    const type = (parseJsonExact(text) as { error?: { type?: unknown } }).error?.type;
    return typeof type === "string" ? type.slice(0, 64) : undefined;
  } catch {
    // A proxy's HTML error page: the status alone tells the caller what happened.
    return undefined;
  }
}
