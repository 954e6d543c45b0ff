import { guardedFetch, type OutboundPolicy } from "../../core/guarded-fetch.ts";
import type { Logger } from "../../core/log.ts";
import { encodePoint, type Point } from "./line-protocol.ts";

/**
 * Pushes each shop's today tiles to Grafana Live (`POST /api/live/push/<stream id>`, line protocol,
 * a service-account token as Bearer), so subscribed panels move within a second. Never on the hot
 * path: `offer` only keeps the newest point per shop in memory; a timer sends what is pending. A
 * refused or failed push (4xx, 5xx, network) backs off exponentially and keeps only the newest
 * values, so a Grafana that is down costs memory for one point per shop, not a growing queue (and
 * at most `maxPending` points in all). A refused token (401/403) is logged once, loudly: nothing
 * moves live until someone fixes it, and repeating it every minute would bury the rest of the log.
 * Grafana is a host the operator names, so the call goes through the guarded client, allowed to
 * reach that one host even on a private address; no redirects (a push is a POST).
 */
export interface LivePushOptions {
  grafanaUrl: string;
  token: string;
  streamId: string;
  intervalMs?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  maxPending?: number;
  log: Logger;
  clock?: () => number;
}

export class LivePush {
  private readonly options: Required<Omit<LivePushOptions, "clock">> & { clock: () => number };
  private readonly endpoint: URL;
  private readonly policy: OutboundPolicy;
  private tokenRefusedLogged = false;
  /** Points not kept because `maxPending` shops' tiles were already waiting. */
  dropped = 0;
  private pending = new Map<string, Point>();
  private failures = 0;
  private nextAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<unknown> = Promise.resolve();
  /** The last answer Grafana gave (for health and tests). */
  lastStatus: number | null = null;

  constructor(options: LivePushOptions) {
    this.options = {
      intervalMs: 500,
      backoffMs: 1000,
      maxBackoffMs: 60_000,
      maxPending: 20_000,
      clock: Date.now,
      ...options,
    };
    if (!/^[A-Za-z0-9_\-=.]+$/.test(options.streamId))
      throw new RangeError(`stream id "${options.streamId}" is not a Grafana Live path`);
    // "wide": one column per field, tags as field labels; the default (labels_column) adds a text
    // column of labels that a stat panel would show as a value.
    this.endpoint = new URL(
      `/api/live/push/${options.streamId}?gf_live_frame_format=wide`,
      options.grafanaUrl,
    );
    this.policy = {
      allowHttp: this.endpoint.protocol === "http:",
      privateHosts: [this.endpoint.hostname.replace(/^\[|\]$/g, "").toLowerCase()],
      maxBytes: 64 * 1024,
      timeoutMs: 5000,
      maxRedirects: 0,
    };
  }

  /** True while a failed push is being waited out: no point computing tiles nobody can send. */
  backingOff(): boolean {
    return this.options.clock() < this.nextAt;
  }

  /** The newest tiles of one shop replace any not yet sent. */
  offer(key: string, point: Point): void {
    if (this.pending.size >= this.options.maxPending && !this.pending.has(key)) {
      this.dropped++;
      return;
    }
    this.pending.set(key, point);
  }

  start(): void {
    const loop = () => {
      this.timer = setTimeout(() => {
        this.sending = this.flush().finally(loop);
      }, this.options.intervalMs);
    };
    loop();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.sending;
  }

  /** Sends what is pending unless backing off; true when Grafana took it. */
  async flush(): Promise<boolean> {
    const now = this.options.clock();
    if (!this.pending.size || now < this.nextAt) return false;
    const batch = this.pending;
    this.pending = new Map();
    const body = [...batch.values()].map(encodePoint).join("\n");
    let status = 0;
    try {
      const res = await guardedFetch(
        this.endpoint.toString(),
        {
          method: "POST",
          headers: { authorization: `Bearer ${this.options.token}`, "content-type": "text/plain" },
          body,
        },
        this.policy,
      );
      status = res.status;
    } catch (err) {
      this.options.log.warn({ err: String(err), grafana: this.endpoint.origin }, "Grafana Live push failed");
    }
    this.lastStatus = status || null;
    if (status >= 200 && status < 300) {
      this.failures = 0;
      this.nextAt = 0;
      return true;
    }
    // Put back what is still the newest for its shop, then wait before trying again.
    for (const [key, point] of batch) if (!this.pending.has(key)) this.pending.set(key, point);
    this.failures++;
    const wait = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** (this.failures - 1));
    this.nextAt = now + wait;
    if ((status === 401 || status === 403) && !this.tokenRefusedLogged) {
      this.tokenRefusedLogged = true;
      this.options.log.error(
        { status, grafana: this.endpoint.origin },
        "Grafana refused GRAFANA_SERVICE_ACCOUNT_TOKEN: the TV wall will not move live until the token is valid and its service account may push (give it the Admin role); the SQL panels keep working",
      );
    } else if (status !== 401 && status !== 403) {
      this.options.log.warn({ status, retryInMs: wait }, "Grafana Live refused the push; backing off");
    }
    return false;
  }
}
