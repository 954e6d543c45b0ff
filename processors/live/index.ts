import { loadConfig } from "../../core/env.ts";
import type { Logger } from "../../core/log.ts";
import type { QuestDb } from "../../core/questdb.ts";
import { liveEnv } from "./config.ts";
import { LivePush } from "./push.ts";
import { LIVE_STREAM_ID, tileMeasurement } from "../../core/live-channel.ts";
import { shopTiles } from "./tiles.ts";

/** How many shops' tiles wait to be computed at most; more are dropped (and counted) until there is room. */
const MAX_WAITING_SHOPS = 10_000;
/** Shops computed per tick: a burst across many shops spreads over several seconds. */
const SHOPS_PER_TICK = 200;
/**
 * Every shop seen is pushed again this often even without new windows: today's span starts at
 * local midnight and Grafana replays a channel's last frame to a new subscriber, so a tile must not
 * stay at a value from hours ago.
 */
const REFRESH_MS = 60_000;

export interface LiveTiles {
  /** A window of this shop changed (called by the sales processor after it wrote `sales_1m`). */
  changed(platform: string, shop: string): void;
  stop(): Promise<void>;
}

/**
 * The live tiles, off the hot path: `changed` only marks a shop; a timer (at most once per
 * GRAFANA_LIVE_INTERVAL_MS) reads each marked shop's tiles from QuestDB and pushes them. Undefined
 * when Grafana Live is not configured.
 */
export function startLiveTiles(options: {
  db: QuestDb;
  log: Logger;
  env?: Record<string, string | undefined>;
  clock?: () => number;
}): LiveTiles | undefined {
  const config = loadConfig(liveEnv, options.env ?? process.env);
  if (!config.GRAFANA_URL || !config.GRAFANA_SERVICE_ACCOUNT_TOKEN) {
    options.log.info(
      "live tiles off: set GRAFANA_URL and GRAFANA_SERVICE_ACCOUNT_TOKEN to push to Grafana Live",
    );
    return undefined;
  }
  const { db, log } = options;
  const clock = options.clock ?? Date.now;
  const streamId = LIVE_STREAM_ID;
  const push = new LivePush({
    grafanaUrl: config.GRAFANA_URL,
    token: config.GRAFANA_SERVICE_ACCOUNT_TOKEN,
    streamId,
    log,
    clock,
  });
  const waiting = new Map<string, { platform: string; shop: string }>();
  const seen = new Map<string, { platform: string; shop: string }>();
  const unnamable = new Set<string>();
  let dropped = 0;
  let refreshedAt = clock();

  const mark = (key: string, shop: { platform: string; shop: string }) => {
    if (waiting.has(key)) return;
    if (waiting.size >= MAX_WAITING_SHOPS) {
      if (dropped++ % 1000 === 0)
        log.warn({ dropped }, "live tiles: too many shops waiting; some wait for the next refresh");
      return;
    }
    waiting.set(key, shop);
  };

  const changed = (platform: string, shop: string) => {
    const key = `${platform}\u0000${shop}`;
    if (!tileMeasurement(platform, shop, "conversion")) {
      if (!unnamable.has(key) && unnamable.size < MAX_WAITING_SHOPS) {
        unnamable.add(key);
        log.warn(
          { platform, shop },
          "live tiles: this shop's name can't be a Grafana Live channel (letters, digits, _ - . = only, 160 at most); its tiles refresh by SQL",
        );
      }
      return;
    }
    if (!seen.has(key) && seen.size < MAX_WAITING_SHOPS) seen.set(key, { platform, shop });
    mark(key, { platform, shop });
  };

  const tick = async () => {
    if (clock() - refreshedAt >= REFRESH_MS) {
      refreshedAt = clock();
      for (const [key, shop] of seen) mark(key, shop);
    }
    if (push.backingOff()) return;
    const batch = [...waiting].slice(0, SHOPS_PER_TICK);
    for (const [key, { platform, shop }] of batch) {
      waiting.delete(key);
      try {
        for (const point of await shopTiles(db, platform, shop, clock()))
          push.offer(`${key}\u0000${point.measurement}`, point);
      } catch (err) {
        // QuestDB busy or restarting: the shop waits for the next tick.
        log.warn({ err: String(err), platform, shop }, "live tiles: reading today's tiles failed; retrying");
        mark(key, { platform, shop });
      }
    }
    await push.flush();
  };

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const loop = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick()
        .catch((err: unknown) => log.error({ err: String(err) }, "live tiles: a push round failed"))
        .finally(loop);
    }, config.GRAFANA_LIVE_INTERVAL_MS);
  };
  loop();
  log.info(
    { grafana: new URL(config.GRAFANA_URL).origin, stream: streamId },
    "live tiles pushing to Grafana Live",
  );

  return {
    changed,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
