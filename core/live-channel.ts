/**
 * The contract between the processors' Grafana Live push (processors/live/) and the TV wall's stat
 * panels that subscribe (grafana/live.ts): one stream, one channel per shop and tile, and the field
 * names of the stat panels' SQL columns, so a pushed frame and a queried one merge into one value.
 */
export const LIVE_STREAM_ID = "metricsdash";

export const TILE_METRICS = ["revenue", "orders", "aov", "conversion"] as const;
export type TileMetric = (typeof TILE_METRICS)[number];

/** The columns of a stat panel's SQL (grafana/sql/one-shop.ts `metricComparison`). */
export const TILE_FIELDS = {
  today: "Today",
  vsYesterday: "vs yesterday",
  vsLastWeek: "vs last week",
} as const;

/** Grafana Live channel paths: these characters only, and a whole channel at most 160 (Grafana's docs). */
const CHANNEL_PATH = /^[A-Za-z0-9_\-=.]+$/;
const MAX_CHANNEL = 160;

/** The path after `stream/<stream id>/`: also the line-protocol measurement the push sends. */
export const tilePath = (platform: string, shop: string, metric: TileMetric) =>
  `${platform}.${shop}.${metric}`;

/** The measurement of one tile, or undefined when the shop's name can't be part of a channel. */
export function tileMeasurement(platform: string, shop: string, metric: TileMetric): string | undefined {
  const path = tilePath(platform, shop, metric);
  const fits = CHANNEL_PATH.test(path) && `stream/${LIVE_STREAM_ID}/${path}`.length <= MAX_CHANNEL;
  return fits ? path : undefined;
}
