import {
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
} from "@grafana/grafana-foundation-sdk/dashboard";
import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueTextMode,
  GraphDrawStyle,
  ReduceDataOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { curvesPanel, ORDERS_PER_MINUTE_POINTS } from "../panels.ts";
import { FORMAT, QUESTDB, SqlQuery } from "../questdb.ts";
import {
  currencyRevenueCurve,
  currencyTable,
  ordersComparison,
  ordersPerMinuteAll,
  shopTable,
} from "../sql/all-shops.ts";
import { CHOICE_QUERIES } from "../sql/chosen.ts";
import { multiVariable } from "../variables.ts";

export const ALL_SHOPS_UID = "metricsdash-all-shops";

const percent = [
  { id: "unit", value: "percentunit" },
  { id: "decimals", value: 1 },
];

/** A table of money per currency (or per shop, in its currency): two decimals, changes as percentages. */
const moneyTable = (title: string, description: string, sql: string) =>
  new TablePanel()
    .title(title)
    .description(description)
    .withTarget(new SqlQuery(sql))
    .datasource(QUESTDB)
    .decimals(2)
    .overrideByName("Orders", [{ id: "decimals", value: 0 }])
    .overrideByName("vs yesterday", percent)
    .overrideByName("vs last week", percent);

/**
 * Every chosen shop at once (one store, one platform, or everything): orders add up, money stays in
 * its currency, one row or curve per currency, and each shop's "today" starts at its own midnight.
 */
export function allShops(): DashboardBuilder {
  return new DashboardBuilder("All shops")
    .uid(ALL_SHOPS_UID)
    .tags(["metricsdash", "sales"])
    .description(
      "Today across the chosen platforms and shops, per currency, each shop counted from its own local midnight.",
    )
    .editable()
    .refresh("30s")
    .time({ from: "now/d", to: "now/d" })
    .timezone("browser")
    .link(
      new DashboardLinkBuilder("Live sales (one shop)")
        .type(DashboardLinkType.Link)
        .url("/d/metricsdash-live-sales?${__url_time_range}")
        .icon("dashboard"),
    )
    .withVariable(multiVariable("platform", "Platform", CHOICE_QUERIES.platform))
    .withVariable(multiVariable("shop", "Shop", CHOICE_QUERIES.shop))
    .withPanel(
      new StatPanel()
        .title("Orders today")
        .description(
          "Orders of all chosen shops, each from its local midnight to now, against the same span yesterday and last week. Source: sales_1m.",
        )
        .withTarget(new SqlQuery(ordersComparison()))
        .datasource(QUESTDB)
        .decimals(0)
        .noValue("–")
        .colorMode(BigValueColorMode.Value)
        .graphMode(BigValueGraphMode.None)
        .textMode(BigValueTextMode.ValueAndName)
        .reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).fields("/.*/").values(false))
        .overrideByRegexp("^vs ", percent)
        .gridPos({ x: 0, y: 0, w: 6, h: 7 }),
    )
    .withPanel(
      moneyTable(
        "Today by currency vs the same time yesterday and last week",
        "One row per currency: money is never added across currencies. Each shop counts from its own local midnight; AOV = revenue / orders. Source: sales_1m.",
        currencyTable(),
      ).gridPos({ x: 6, y: 0, w: 18, h: 7 }),
    )
    .withPanel(
      curvesPanel(
        "Revenue through the day, per currency: today, yesterday, last week",
        "Cumulative revenue per currency; each shop's yesterday and last week are moved onto today's axis by whole days of its own zone.",
        currencyRevenueCurve,
      )
        .overrideByRegexp("^Last week", [{ id: "custom.lineStyle", value: { fill: "dash", dash: [10, 10] } }])
        .gridPos({ x: 0, y: 7, w: 24, h: 10 }),
    )
    .withPanel(
      moneyTable(
        "Today by shop, each in its own currency",
        "Where each currency's total comes from. Source: sales_1m, zones and currencies from shops.",
        shopTable(),
      ).gridPos({ x: 0, y: 17, w: 16, h: 8 }),
    )
    .withPanel(
      new TimeSeriesPanel()
        .title("Orders per minute, all chosen shops")
        .description("Orders placed, averaged per minute over each interval. Source: sales_1m.")
        .withTarget(new SqlQuery(ordersPerMinuteAll(), "A", FORMAT.timeSeries))
        .datasource(QUESTDB)
        .interval("1m")
        .maxDataPoints(ORDERS_PER_MINUTE_POINTS)
        .drawStyle(GraphDrawStyle.Bars)
        .fillOpacity(80)
        .decimals(1)
        .gridPos({ x: 16, y: 17, w: 8, h: 8 }),
    );
}
