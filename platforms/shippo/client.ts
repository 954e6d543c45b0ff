import { boundedText } from "../../core/bounded-text.ts";
import type { Logger } from "../../core/log.ts";
import { KeysRefused, PlatformApiError, RefRefused } from "../adapter.ts";
import { ShippoTransactionPage } from "./payload.ts";

export interface ShippoClientOptions {
  apiUrl: string;
  apiToken: string;
  log: Logger;
  /** Waits are capped at this, whatever `Retry-After` says; tests shorten it. */
  maxWaitMs?: number;
  /** How many 429s in a row one request accepts before giving up until the next round. */
  maxThrottled?: number;
  timeoutMs?: number;
  /** Pages one listing may read: a `next` chain longer than this is cut, not trusted. */
  maxPages?: number;
  maxBytes?: number;
}

/**
 * Shippo's REST API with `Authorization: ShippoToken …`. A 429 is retried after its `Retry-After`
 * (seconds; a second when absent), at most `maxThrottled` times. A listing is followed through its
 * `next` links, each checked to be on the configured API base, so a response can't make us call
 * another host.
 */
export class ShippoClient {
  private readonly base: URL;
  private readonly options: Required<ShippoClientOptions>;

  constructor(options: ShippoClientOptions) {
    this.base = new URL(options.apiUrl);
    this.options = {
      maxWaitMs: 60_000,
      maxThrottled: 5,
      timeoutMs: 15_000,
      maxPages: 200,
      maxBytes: 8 * 1024 * 1024,
      ...options,
    };
  }

  /** The transactions listing for `query`, on the configured base. */
  transactionsUrl(query: Record<string, string>): URL {
    const url = new URL(`${this.base.pathname.replace(/\/$/, "")}/transactions/`, this.base);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url;
  }

  /** Every page of a transactions listing, following `next`. */
  async *transactionPages(first: URL): AsyncIterable<ShippoTransactionPage> {
    let url: URL | null = first;
    for (let page = 1; url; page++) {
      const body = ShippoTransactionPage.parse(await this.getJson(url));
      yield body;
      if (!body.next) return;
      if (page >= this.options.maxPages) {
        this.options.log.warn({ read: page }, "Shippo listing cut at the page budget");
        return;
      }
      url = this.onBase(body.next);
    }
  }

  private onBase(next: string): URL {
    const url = new URL(next, this.base);
    const basePath = this.base.pathname.replace(/\/$/, "");
    if (url.origin !== this.base.origin || !url.pathname.startsWith(`${basePath}/`))
      throw new RefRefused(`Shippo's next page ${url.origin} is not the configured API ${this.base.origin}`);
    return url;
  }

  private async getJson(url: URL): Promise<unknown> {
    for (let throttled = 0; ; throttled++) {
      const response = await fetch(url, {
        headers: { authorization: `ShippoToken ${this.options.apiToken}`, accept: "application/json" },
        redirect: "error",
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (response.status === 429 && throttled < this.options.maxThrottled) {
        await response.body?.cancel();
        await new Promise((resolve) => setTimeout(resolve, this.retryAfterMs(response)));
        continue;
      }
      if (response.status === 401) throw new KeysRefused("Shippo refused SHIPPO_API_TOKEN (401)");
      if (!response.ok) {
        await response.body?.cancel();
        throw new PlatformApiError("Shippo", response.status, url.href);
      }
      return JSON.parse(
        await boundedText(
          response,
          this.options.maxBytes,
          () => new PlatformApiError("Shippo", 413, url.href),
        ),
      );
    }
  }

  private retryAfterMs(response: Response): number {
    const seconds = Number(response.headers.get("retry-after"));
    const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000;
    return Math.min(ms, this.options.maxWaitMs);
  }
}
