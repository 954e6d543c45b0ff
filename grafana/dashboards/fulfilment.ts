import { DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { FORMAT, QUESTDB, SqlQuery } from "../questdb.ts";
import {
  AWAITING_SHIPMENT,
  COST_VS_CHARGED,
  EXCEPTIONS_AND_RETURNS,
  LABEL_COST_SERIES,
  LATE_PARCELS,
  SHIPMENTS_BY_CARRIER,
  TIME_TO_DELIVER,
  TIME_TO_SHIP,
  TRACKING_SERIES,
} from "../sql/fulfilment.ts";
import { SHIPPING_MATCH_DAYS } from "../sql/order-match.ts";

export const FULFILMENT_UID = "metricsdash-fulfilment";

const table = (title: string, description: string, sql: string) =>
  new TablePanel().title(title).description(description).datasource(QUESTDB).withTarget(new SqlQuery(sql));

/** The operations manager's shipping view: what waits to ship, how fast it ships, what labels cost. */
export function fulfilment(): DashboardBuilder {
  return new DashboardBuilder("Fulfilment")
    .uid(FULFILMENT_UID)
    .tags(["metricsdash", "fulfilment"])
    .description(
      "Orders awaiting shipment, time to ship and to deliver per carrier, late parcels, exceptions and returns, labels and their cost (ShipStation, Shippo).",
    )
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
        `Hours from the order to its label's ship time, median and 90th percentile per carrier (returns left out). Orders shipped within ${SHIPPING_MATCH_DAYS} days of being placed, from labels that shipped within ${SHIPPING_MATCH_DAYS} days of being bought.`,
        TIME_TO_SHIP,
      ).gridPos({ x: 14, y: 0, w: 10, h: 10 }),
    )
    .withPanel(
      table(
        "Labels by carrier",
        "Labels bought in the range, voided ones left out; cost in the account's currency. Read from the daily and hourly rollups (shipments_1d, shipments_1h) and, for the range's partial hours, the labels themselves.",
        SHIPMENTS_BY_CARRIER,
      ).gridPos({ x: 0, y: 10, w: 12, h: 9 }),
    )
    .withPanel(
      new TimeSeriesPanel()
        .title("Label cost per day")
        .description(
          "Per carrier and currency (currencies are never added together); UTC days, from the rollups.",
        )
        .datasource(QUESTDB)
        .withTarget(new SqlQuery(LABEL_COST_SERIES, "A", FORMAT.timeSeries))
        .gridPos({ x: 12, y: 10, w: 12, h: 9 }),
    )
    .withPanel(
      table(
        "Time to deliver",
        "Hours from shipped to delivered, median and 90th percentile per carrier, for parcels delivered in the range (shippers that report tracking: Shippo).",
        TIME_TO_DELIVER,
      ).gridPos({ x: 0, y: 19, w: 12, h: 8 }),
    )
    .withPanel(
      table(
        "Exceptions and returns",
        "Parcels shipped in the range by their status now: delivery exceptions (FAILURE) and returns (RETURNED) per carrier.",
        EXCEPTIONS_AND_RETURNS,
      ).gridPos({ x: 12, y: 19, w: 12, h: 8 }),
    )
    .withPanel(
      new TimeSeriesPanel()
        .title("Delivered, exceptions and returns per day")
        .description(
          "Tracking steps carriers reported per UTC day: parcels delivered, delivery exceptions (FAILURE), returns to sender (RETURNED). From the rollups (tracking_1d, tracking_1h).",
        )
        .datasource(QUESTDB)
        .withTarget(new SqlQuery(TRACKING_SERIES, "A", FORMAT.timeSeries))
        .gridPos({ x: 0, y: 27, w: 24, h: 8 }),
    )
    .withPanel(
      table(
        "Late parcels",
        "Delivered after their ETA, or still on the way past it; hours late.",
        LATE_PARCELS,
      ).gridPos({ x: 0, y: 35, w: 14, h: 10 }),
    )
    .withPanel(
      table(
        "Shipping cost vs charged",
        `What the orders charged for shipping against what their labels cost, per shop and currency (orders matched by number, to labels bought within ${SHIPPING_MATCH_DAYS} days of the order).`,
        COST_VS_CHARGED,
      ).gridPos({ x: 14, y: 35, w: 10, h: 10 }),
    );
}
