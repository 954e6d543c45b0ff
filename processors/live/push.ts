import type { Logger } from "../../core/log.ts";
import { encodePoint, type Point } from "./line-protocol.ts";

/**
 * Pushes each shop's today tiles to Grafana Live (`POST /api/live/push/<stream id>`, line protocol,
 * a service-account token as Bearer), so subscribed panels move within a second. Never on the hot
 * path: `offer` only keeps the newest point per shop in memory; a timer sends what is pending. A
 * refused or failed push (4xx, 5xx, network) backs off exponentially and keeps only the newest
 * values, so a Grafana that is down costs memory for one point per shop, not a growing queue.
 */
export interface LivePushOptions {
  grafanaUrl: string;
  token: string;
  streamId: string;
  intervalMs?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  log: Logger;
  clock?: () => number;
}

export class LivePush {
  private readonly options: Required<Omit<LivePushOptions, "clock">> & { clock: () => number };
  private readonly endpoint: URL;
  private pending = new Map<string, Point>();
  private failures = 0;
  private nextAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<unknown> = Promise.resolve();
  /** The last answer Grafana gave (for health and tests). */
  lastStatus: number | null = null;

  constructor(options: LivePushOptions) {
    this.options = { intervalMs: 500, backoffMs: 1000, maxBackoffMs: 60_000, clock: Date.now, ...options };
    if (!/^[A-Za-z0-9_\-=.]+$/.test(options.streamId))
      throw new RangeError(`stream id "${options.streamId}" is not a Grafana Live path`);
    this.endpoint = new URL(`/api/live/push/${options.streamId}`, options.grafanaUrl);
  }

  /** The newest tiles of one shop replace any not yet sent. */
  offer(key: string, point: Point): void {
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
      const res = await fetch(this.endpoint, {
        method: "POST",
        headers: { authorization: `Bearer ${this.options.token}`, "content-type": "text/plain" },
        body,
        signal: AbortSignal.timeout(5000),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch (err) {
      this.options.log.warn({ err: String(err) }, "Grafana Live push failed");
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
    this.options.log.warn({ status, retryInMs: wait }, "Grafana Live refused the push; backing off");
    return false;
  }
}
