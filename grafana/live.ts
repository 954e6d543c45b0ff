import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { LIVE_STREAM_ID, TILE_FIELDS, tilePath, type TileMetric } from "../core/live-channel.ts";

/**
 * Grafana's built-in `-- Grafana --` data source (uid `grafana`) and its "Live Measurements" query:
 * a subscription to a Grafana Live channel, whose `channel` Grafana interpolates with the dashboard's
 * variables. The SDK has no builder for it. A panel that also runs SQL takes the mixed data source.
 */
export const GRAFANA_BUILTIN: dashboard.DataSourceRef = { type: "datasource", uid: "grafana" };
export const MIXED: dashboard.DataSourceRef = { type: "datasource", uid: "-- Mixed --" };

export interface LiveMeasurementsQuery extends cog.Dataquery {
  refId: string;
  datasource: dashboard.DataSourceRef;
  queryType: "measurements";
  channel: string;
  filter: { fields: string[] };
}

/** The channel a stat panel subscribes to: the chosen shop's tile (core/live-channel.ts). */
export const tileChannel = (metric: TileMetric) =>
  `stream/${LIVE_STREAM_ID}/${tilePath("${shop_platform}", "${shop}", metric)}`;

export class LiveTileQuery implements cog.Builder<cog.Dataquery> {
  private readonly query: LiveMeasurementsQuery;

  constructor(metric: TileMetric, refId = "live") {
    this.query = {
      refId,
      datasource: GRAFANA_BUILTIN,
      queryType: "measurements",
      channel: tileChannel(metric),
      filter: { fields: Object.values(TILE_FIELDS) },
      _implementsDataqueryVariant: () => undefined,
    };
  }

  build(): LiveMeasurementsQuery {
    return this.query;
  }
}
