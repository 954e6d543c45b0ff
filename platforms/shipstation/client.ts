import { boundedText } from "../../core/bounded-text.ts";
import type { Logger } from "../../core/log.ts";
import { KeysRefused, PlatformApiError, RefRefused } from "../adapter.ts";
import { SsShipmentPage } from "./payload.ts";

export interface ShipStationClientOptions {
  apiUrl: string;
  apiKey: string;
  apiSecret: string;
  log: Logger;
  /** Waits are capped at this (ShipStation's window is a minute); tests shorten it. */
  maxWaitMs?: number;
  /** How many 429s in a row one request accepts before giving up until the next round. */
  maxThrottled?: number;
  timeoutMs?: number;
  /** Pages one listing may read: a response claiming more is cut here, not trusted. */
  maxPages?: number;
  maxBytes?: number;
}

/**
 * ShipStation V1 with Basic auth, within its rate limit (40 requests a minute per key): when
 * `X-Rate-Limit-Remaining` reaches 0 the next call waits `X-Rate-Limit-Reset` seconds, and a 429 is
 * retried after the same wait. Only URLs on the configured API base are ever requested, so a webhook
 * body can't make us call another host.
 */
export class ShipStationClient {
  private readonly base: URL;
  private readonly auth: string;
  private readonly options: Required<Omit<ShipStationClientOptions, "apiKey" | "apiSecret">>;
  private resumeAt = 0;

  constructor(options: ShipStationClientOptions) {
    this.base = new URL(options.apiUrl);
    this.auth = `Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString("base64")}`;
    this.options = {
      maxWaitMs: 60_000,
      maxThrottled: 5,
      timeoutMs: 15_000,
      maxPages: 200,
      maxBytes: 8 * 1024 * 1024,
      ...options,
    };
  }

  /** Refuses (for good) a URL whose origin or path is not under the configured API base. */
  checkUrl(url: string): URL {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new RefRefused(`not a URL: ${url.slice(0, 80)}`);
    }
    const basePath = this.base.pathname.replace(/\/$/, "");
    if (parsed.origin !== this.base.origin || !parsed.pathname.startsWith(`${basePath}/`)) {
      throw new RefRefused(
        `resource_url ${parsed.origin} is not the configured ShipStation API ${this.base.origin}`,
      );
    }
    return parsed;
  }

  /** Every page of a shipments listing (the URL a webhook named, or our own query), as parsed pages. */
  async *shipmentPages(url: string | URL): AsyncIterable<SsShipmentPage> {
    const first = this.checkUrl(String(url));
    for (let page = 1; ; page++) {
      const target = new URL(first);
      if (page > 1) target.searchParams.set("page", String(page));
      const body = SsShipmentPage.parse(await this.getJson(target));
      yield body;
      const last = Math.min(body.pages, this.options.maxPages);
      if (page >= last) {
        if (body.pages > this.options.maxPages)
          this.options.log.warn(
            { pages: body.pages, read: last },
            "ShipStation listing cut at the page budget",
          );
        return;
      }
    }
  }

  /** The shipments listing for `query`, on the configured base. */
  shipmentsUrl(query: Record<string, string>): URL {
    const url = new URL(`${this.base.pathname.replace(/\/$/, "")}/shipments`, this.base);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url;
  }

  private async getJson(url: URL): Promise<unknown> {
    for (let throttled = 0; ; throttled++) {
      await this.waitForQuota();
      const response = await fetch(url, {
        headers: { authorization: this.auth, accept: "application/json" },
        redirect: "error",
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      this.noteQuota(response);
      if (response.status === 429 && throttled < this.options.maxThrottled) {
        await response.body?.cancel();
        this.resumeAt = Math.max(this.resumeAt, Date.now() + this.resetMs(response, 1000));
        continue;
      }
      if (response.status === 401) throw new KeysRefused("ShipStation refused the API key and secret (401)");
      if (!response.ok) {
        await response.body?.cancel();
        throw new PlatformApiError("ShipStation", response.status, url.href);
      }
      return JSON.parse(
        await boundedText(
          response,
          this.options.maxBytes,
          () => new PlatformApiError("ShipStation", 413, url.href),
        ),
      );
    }
  }

  private async waitForQuota(): Promise<void> {
    const wait = this.resumeAt - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  private noteQuota(response: Response): void {
    if (response.headers.get("x-rate-limit-remaining") === "0")
      this.resumeAt = Math.max(this.resumeAt, Date.now() + this.resetMs(response, 0));
  }

  /** `X-Rate-Limit-Reset` is seconds until the window resets; capped so a wrong header can't stall us. */
  private resetMs(response: Response, fallback: number): number {
    const seconds = Number(response.headers.get("x-rate-limit-reset"));
    const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : fallback;
    return Math.min(ms, this.options.maxWaitMs);
  }
}
