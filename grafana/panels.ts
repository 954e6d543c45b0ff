import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  GraphDrawStyle,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  VizOrientation,
  VizLegendOptionsBuilder,
  VizTextDisplayOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import {
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type Panel,
  type VariableModel,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import {
  comparisonTable,
  METRICS,
  metricComparison,
  ordersPerMinute,
  revenueCurve,
  topProducts,
  VARIABLE_QUERIES,
  type MetricName,
} from "./sql/one-shop.ts";
import { TILE_FIELDS, TILE_METRICS } from "../core/live-channel.ts";
import { LiveTileQuery, MIXED } from "./live.ts";
import { FORMAT, QUESTDB, SqlQuery } from "./questdb.ts";
import { hiddenVariable, multiVariable, queryVariable } from "./variables.ts";

/** Panels shared by the live-sales dashboards; each dashboard lays them out at its own size. */

/** Platforms (several, or All) narrow the list of shops; one shop is shown, in its own zone and currency. */
export function salesVariables(): cog.Builder<VariableModel>[] {
  const q = VARIABLE_QUERIES;
  return [
    multiVariable("platform", "Platform", q.platform),
    queryVariable("shop", "Shop", q.shop),
    hiddenVariable("shop_platform", "Shop's platform", q.shop_platform),
    hiddenVariable("tz", "Time zone", q.tz),
    hiddenVariable("minor", "Minor units per unit", q.minor),
    hiddenVariable("currency", "Currency", q.currency),
  ];
}

const UNITS: Record<MetricName, { unit: string; decimals: number }> = {
  revenue: { unit: "none", decimals: 2 },
  orders: { unit: "none", decimals: 0 },
  aov: { unit: "none", decimals: 2 },
  conversion: { unit: "percentunit", decimals: 1 },
  net: { unit: "none", decimals: 2 },
};

/** Red below zero, green above: how a change against yesterday or last week should read. */
const changeColours = () =>
  new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null as unknown as number, color: "red" },
    { value: 0, color: "green" },
  ]);

/** The stat's values: the SQL's columns (and the live frame's fields, named alike), never its time. */
const STAT_FIELDS = `/^(${Object.values(TILE_FIELDS).join("|")})$/`;

/**
 * A metric's value today and its changes. With `live`, the panel also subscribes to the shop's
 * Grafana Live tile (processors/live/): "merge" puts the SQL row first and the pushed rows after
 * it, and the stat shows the last value, so a push moves it at once; with nothing pushed (no token
 * configured) the SQL row is all there is and the panel polls as before.
 */
export function metricStat(metric: MetricName, options: { big?: boolean; live?: boolean } = {}): StatPanel {
  const { unit, decimals } = UNITS[metric];
  const money = metric === "revenue" || metric === "aov" || metric === "net";
  const panel = new StatPanel()
    .title(`${METRICS[metric].title} today${money ? " (${currency})" : ""}`)
    .description(
      `Store-local midnight to now, against the same span yesterday, on the same weekday last week and on the same weekday 52 weeks ago ("last year"). Source: sales_1m.`,
    )
    .withTarget(new SqlQuery(metricComparison(metric)))
    .datasource(QUESTDB)
    .unit(unit)
    .decimals(decimals)
    .noValue("–")
    .colorMode(options.big ? BigValueColorMode.Background : BigValueColorMode.Value)
    .graphMode(BigValueGraphMode.None)
    .textMode(BigValueTextMode.ValueAndName)
    .justifyMode(BigValueJustifyMode.Center)
    .orientation(options.big ? VizOrientation.Vertical : VizOrientation.Horizontal)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).fields(STAT_FIELDS).values(false))
    .thresholds(
      new ThresholdsConfigBuilder()
        .mode(ThresholdsMode.Absolute)
        .steps([{ value: null as unknown as number, color: "blue" }]),
    )
    .overrideByRegexp("^vs ", [
      { id: "unit", value: "percentunit" },
      { id: "decimals", value: 1 },
      { id: "thresholds", value: changeColours().build() },
      { id: "color", value: { mode: "thresholds" } },
    ]);
  if (options.live) {
    const tile = TILE_METRICS.find((m) => m === metric);
    if (!tile) throw new RangeError(`${metric} has no live tile (core/live-channel.ts)`);
    panel
      .datasource(MIXED)
      .withTarget(new LiveTileQuery(tile))
      .withTransformation({ id: "merge", options: {} });
  }
  if (options.big) {
    panel.text(new VizTextDisplayOptionsBuilder().titleSize(36).valueSize(110));
  }
  return panel;
}

export function comparisonTablePanel(): TablePanel {
  return new TablePanel()
    .title("Today vs the same time yesterday, last week and last year (${currency})")
    .description(
      "Last year is the same weekday 52 weeks back. AOV = revenue / orders; conversion = orders placed / checkouts started. Source: sales_1m.",
    )
    .withTarget(new SqlQuery(comparisonTable()))
    .datasource(QUESTDB)
    .decimals(2)
    .overrideByName("Orders", [{ id: "decimals", value: 0 }])
    .overrideByName("Conversion", [
      { id: "unit", value: "percentunit" },
      { id: "decimals", value: 1 },
    ]);
}

/**
 * Cumulative revenue through the day, today against yesterday and last week: `curve(days, label)`
 * is the SQL of one of the three lines. Last week is dashed in every such panel.
 */
export function curvesPanel(
  title: string,
  description: string,
  curve: (daysBack: 0 | 1 | 7, label: string) => string,
  lineWidth = 2,
): TimeSeriesPanel {
  return new TimeSeriesPanel()
    .title(title)
    .description(description)
    .withTarget(new SqlQuery(curve(0, "Today"), "A", FORMAT.timeSeries))
    .withTarget(new SqlQuery(curve(1, "Yesterday"), "B", FORMAT.timeSeries))
    .withTarget(new SqlQuery(curve(7, "Last week"), "C", FORMAT.timeSeries))
    .datasource(QUESTDB)
    .decimals(2)
    .drawStyle(GraphDrawStyle.Line)
    .lineWidth(lineWidth)
    .fillOpacity(0)
    .legend(
      new VizLegendOptionsBuilder()
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom)
        .showLegend(true)
        .calcs([]),
    );
}

export function revenueCurvePanel(options: { big?: boolean } = {}): TimeSeriesPanel {
  return curvesPanel(
    "Revenue through the day: today, yesterday, last week (${currency})",
    "Cumulative revenue by store-local time of day; yesterday and last week are shifted onto today's axis by whole local days.",
    revenueCurve,
    options.big ? 4 : 2,
  )
    .overrideByName("Today", [{ id: "color", value: { mode: "fixed", fixedColor: "green" } }])
    .overrideByName("Yesterday", [{ id: "color", value: { mode: "fixed", fixedColor: "blue" } }])
    .overrideByName("Last week", [
      { id: "color", value: { mode: "fixed", fixedColor: "purple" } },
      { id: "custom.lineStyle", value: { fill: "dash", dash: [10, 10] } },
    ]);
}

/** One point per minute over a day: maxDataPoints 1440 with a 1-minute floor. */
export const ORDERS_PER_MINUTE_POINTS = 1440;

export function ordersPerMinutePanel(): TimeSeriesPanel {
  return new TimeSeriesPanel()
    .title("Orders per minute")
    .description("Orders placed, averaged per minute over each interval. Source: sales_1m.")
    .withTarget(new SqlQuery(ordersPerMinute(), "A", FORMAT.timeSeries))
    .datasource(QUESTDB)
    .interval("1m")
    .maxDataPoints(ORDERS_PER_MINUTE_POINTS)
    .drawStyle(GraphDrawStyle.Bars)
    .fillOpacity(80)
    .decimals(1);
}

export function topProductsPanel(): TablePanel {
  return new TablePanel()
    .title("Top products today (${currency})")
    .description(
      "Units and revenue by SKU since store-local midnight; cancelled and test orders excluded. Source: order_lines.",
    )
    .withTarget(new SqlQuery(topProducts()))
    .datasource(QUESTDB)
    .overrideByName("Revenue", [{ id: "decimals", value: 2 }]);
}

/** Every SQL target of a built panel, for tests and tools. */
export function panelQueries(panel: Panel): { refId: string; rawSql: string }[] {
  return (panel.targets ?? []).map((t) => t as unknown as { refId: string; rawSql: string });
}
