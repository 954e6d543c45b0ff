import { DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { FORMAT, QUESTDB, SqlQuery } from "../questdb.ts";
import {
  AWAITING_SHIPMENT,
  LABEL_COST_SERIES,
  SHIPMENTS_BY_CARRIER,
  TIME_TO_SHIP,
} from "../sql/fulfilment.ts";

export const FULFILMENT_UID = "metricsdash-fulfilment";

const table = (title: string, description: string, sql: string) =>
  new TablePanel().title(title).description(description).datasource(QUESTDB).withTarget(new SqlQuery(sql));

/** The operations manager's shipping view: what waits to ship, how fast it ships, what labels cost. */
export function fulfilment(): DashboardBuilder {
  return new DashboardBuilder("Fulfilment")
    .uid(FULFILMENT_UID)
    .tags(["metricsdash", "fulfilment"])
    .description("Orders awaiting shipment, time to ship per carrier, labels and their cost (ShipStation).")
    .editable()
    .refresh("30s")
    .time({ from: "now-7d", to: "now" })
    .timezone("browser")
    .withPanel(
      table(
        "Awaiting shipment",
        "Sales orders of the range with no live label yet (matched by order number), longest wait first. Orders shipped outside ShipStation show here too.",
        AWAITING_SHIPMENT,
      ).gridPos({ x: 0, y: 0, w: 14, h: 10 }),
    )
    .withPanel(
      table(
        "Time to ship",
        "Hours from the order to its label's ship time, median and 90th percentile per carrier (returns left out).",
        TIME_TO_SHIP,
      ).gridPos({ x: 14, y: 0, w: 10, h: 10 }),
    )
    .withPanel(
      table(
        "Labels by carrier",
        "Labels bought in the range, voided ones left out; cost in the account's currency.",
        SHIPMENTS_BY_CARRIER,
      ).gridPos({ x: 0, y: 10, w: 12, h: 9 }),
    )
    .withPanel(
      new TimeSeriesPanel()
        .title("Label cost per day")
        .description("Per carrier and currency (currencies are never added together).")
        .datasource(QUESTDB)
        .withTarget(new SqlQuery(LABEL_COST_SERIES, "A", FORMAT.timeSeries))
        .gridPos({ x: 12, y: 10, w: 12, h: 9 }),
    );
}
