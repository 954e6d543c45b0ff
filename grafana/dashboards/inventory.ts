import { AnnotationQueryBuilder, DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { ALERT_ANNOTATIONS, FIRING_NOW } from "../../alerting/history.ts";
import { FORMAT, QUESTDB, SqlQuery } from "../questdb.ts";
import {
  INVENTORY_VARIABLE_QUERIES,
  LEVELS_BY_LOCATION,
  LOW_STOCK_TABLE,
  STOCKOUT_ETA_TABLE,
  VELOCITY_SERIES,
} from "../sql/inventory.ts";
import { multiVariable } from "../variables.ts";

export const INVENTORY_UID = "metricsdash-inventory";

const table = (title: string, description: string, sql: string) =>
  new TablePanel().title(title).description(description).datasource(QUESTDB).withTarget(new SqlQuery(sql));

/**
 * The operations manager's view: what sells out first, what is below its reorder point, and why; for
 * one shop, one platform, or everything (the default).
 */
export function inventory(): DashboardBuilder {
  return new DashboardBuilder("Inventory")
    .uid(INVENTORY_UID)
    .tags(["metricsdash", "inventory"])
    .description("SKUs by stockout ETA, low stock against reorder points, sales velocity, alerts.")
    .editable()
    .refresh("30s")
    .time({ from: "now-7d", to: "now" })
    .timezone("browser")
    .withVariable(multiVariable("platform", "Platform", INVENTORY_VARIABLE_QUERIES.platform))
    .withVariable(multiVariable("shop", "Shop", INVENTORY_VARIABLE_QUERIES.shop))
    .annotation(
      new AnnotationQueryBuilder()
        .name("Alerts")
        .datasource(QUESTDB)
        .enable(true)
        .iconColor("red")
        // The annotation query as the QuestDB plugin stores it: a raw-SQL target.
        .target(new SqlQuery(ALERT_ANNOTATIONS, "Anno")),
    )
    .withPanel(
      table(
        "Stockout ETA",
        "Latest forecast per SKU, soonest stockout first. ETA = available / velocity; reorder point = velocity × lead time + safety stock.",
        STOCKOUT_ETA_TABLE,
      ).gridPos({ x: 0, y: 0, w: 14, h: 11 }),
    )
    .withPanel(
      table(
        "Low stock",
        "SKUs at or below their reorder point, largest shortfall first.",
        LOW_STOCK_TABLE,
      ).gridPos({
        x: 14,
        y: 0,
        w: 10,
        h: 11,
      }),
    )
    .withPanel(
      new TimeSeriesPanel()
        .title("Sales velocity (units/hour)")
        .description("Burst-capped velocity per SKU, as the forecaster computed it each hour.")
        .datasource(QUESTDB)
        .withTarget(new SqlQuery(VELOCITY_SERIES, "A", FORMAT.timeSeries))
        .gridPos({ x: 0, y: 11, w: 14, h: 9 }),
    )
    .withPanel(
      table("Firing alerts", "Incidents whose latest transition is a firing.", FIRING_NOW).gridPos({
        x: 14,
        y: 11,
        w: 10,
        h: 9,
      }),
    )
    .withPanel(
      table(
        "Level by location",
        "Each location's last report less the units sold since.",
        LEVELS_BY_LOCATION,
      ).gridPos({ x: 0, y: 20, w: 24, h: 9 }),
    );
}
