import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { QUESTDB, SqlQuery } from "./questdb.ts";
import { ORDER_MATCH_DAYS } from "./sql/order-match.ts";
import { SHOP_CAPTURED_VS_ORDERED } from "./sql/shop-payments.ts";

/** Live sales' Payments row: the shop's orders against what the processors captured for them. */
export function shopPaymentsPanel(): TablePanel {
  return new TablePanel()
    .title("Payments: captured vs ordered")
    .description(
      `This shop's revenue and orders (as the stats above count them) and the completed Stripe and PayPal captures whose order reference names one of them placed within ${ORDER_MATCH_DAYS} days of the capture, today so far, the same time yesterday and last week, in the store's time zone. Per currency, never added across currencies; details on the Payments dashboard. Source: orders, payments.`,
    )
    .withTarget(new SqlQuery(SHOP_CAPTURED_VS_ORDERED))
    .datasource(QUESTDB)
    .decimals(2);
}
