import { DashboardBuilder, TextBoxVariableBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { QUESTDB, SqlQuery } from "../questdb.ts";
import { CHOICE_QUERIES } from "../sql/chosen.ts";
import { ORDER_JOURNEY } from "../sql/journey.ts";
import { multiVariable } from "../variables.ts";

export const ORDER_JOURNEY_UID = "metricsdash-order-journey";

/** Each order's way from the shop through the payment processor to the shipper and the door. */
export function orderJourney(): DashboardBuilder {
  return new DashboardBuilder("Order journey")
    .uid(ORDER_JOURNEY_UID)
    .tags(["metricsdash", "fulfilment"])
    .description(
      "For every order of the range, or the one whose number you type: ordered → paid → shipped → delivered, each step's time in the shop's time zone and its source, and the steps missing.",
    )
    .editable()
    .refresh("30s")
    .time({ from: "now-7d", to: "now" })
    .timezone("browser")
    .withVariable(multiVariable("platform", "Platform", CHOICE_QUERIES.platform))
    .withVariable(multiVariable("shop", "Shop", CHOICE_QUERIES.shop))
    .withVariable(
      new TextBoxVariableBuilder("order")
        .label("Order number or id")
        .description("Empty for every order of the range; `#` and outer spaces are ignored as everywhere.")
        .defaultValue(""),
    )
    .withPanel(
      new TablePanel()
        .title("Order journey")
        .description(
          "Times are local to each shop (its zone shown); paid by the payment processor that captured it, shipped by the first live outbound label, delivered as its carrier reported.",
        )
        .datasource(QUESTDB)
        .withTarget(new SqlQuery(ORDER_JOURNEY))
        .gridPos({ x: 0, y: 0, w: 24, h: 18 }),
    );
}
