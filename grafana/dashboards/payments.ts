import { DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { FORMAT, QUESTDB, SqlQuery } from "../questdb.ts";
import {
  BY_PROCESSOR,
  CAPTURED_SERIES,
  CAPTURED_VS_ORDERED,
  DISPUTES_TABLE,
  OPEN_DISPUTES,
  PAYMENT_VARIABLE_QUERIES,
  PAYOUTS_TABLE,
  UNMATCHED_PAYMENTS,
  UNPAID_AFTER_HOURS,
  UNPAID_ORDERS,
} from "../sql/payments.ts";
import { ORDER_MATCH_DAYS } from "../sql/order-match.ts";
import { multiVariable } from "../variables.ts";

export const PAYMENTS_UID = "metricsdash-payments";

const table = (title: string, description: string, sql: string) =>
  new TablePanel().title(title).description(description).datasource(QUESTDB).withTarget(new SqlQuery(sql));

/**
 * What the processors say happened to the money: captured against ordered, refunds, fees and net,
 * disputes, payouts, and payments no order explains — per processor and per currency.
 */
export function payments(): DashboardBuilder {
  return new DashboardBuilder("Payments")
    .uid(PAYMENTS_UID)
    .tags(["metricsdash", "payments"])
    .description(
      "Stripe and PayPal: captured vs ordered, refunds, fees, net, disputes, payouts, unmatched payments.",
    )
    .editable()
    .refresh("30s")
    .time({ from: "now/d", to: "now" })
    .timezone("browser")
    .withVariable(multiVariable("processor", "Processor", PAYMENT_VARIABLE_QUERIES.processor))
    .withPanel(
      table(
        "Captured vs ordered",
        "Per currency, in the time range: completed captures and refunds from the processors, and non-test orders the shops placed. Never added across currencies.",
        CAPTURED_VS_ORDERED,
      )
        .decimals(2)
        .gridPos({ x: 0, y: 0, w: 12, h: 8 }),
    )
    .withPanel(
      table(
        "By processor: captured, refunded, fees, net",
        "Fees and net of fees as the processor reports them: PayPal's seller_receivable_breakdown on the capture; Stripe's balance transaction, fetched after the capture when STRIPE_API_KEY is set (in the account's settlement currency). Until then a capture counts as without fee data.",
        BY_PROCESSOR,
      )
        .decimals(2)
        .gridPos({ x: 12, y: 0, w: 12, h: 8 }),
    )
    .withPanel(
      new TimeSeriesPanel()
        .title("Captured per interval")
        .description("One series per processor and currency.")
        .datasource(QUESTDB)
        .withTarget(new SqlQuery(CAPTURED_SERIES, "A", FORMAT.timeSeries))
        .gridPos({ x: 0, y: 8, w: 12, h: 8 }),
    )
    .withPanel(
      table(
        "Open disputes",
        "Disputes not yet closed, whenever opened, per processor and currency.",
        OPEN_DISPUTES,
      )
        .decimals(2)
        .gridPos({ x: 12, y: 8, w: 12, h: 8 }),
    )
    .withPanel(
      table(
        "Disputes",
        "Opened or updated in the range, or still open; newest first.",
        DISPUTES_TABLE,
      ).gridPos({
        x: 0,
        y: 16,
        w: 12,
        h: 9,
      }),
    )
    .withPanel(
      table("Payouts", "Created in the range, failed ones first.", PAYOUTS_TABLE).gridPos({
        x: 12,
        y: 16,
        w: 12,
        h: 9,
      }),
    )
    .withPanel(
      table(
        "Payments with no order",
        `Completed captures whose order reference is missing or names no order we hold placed within ${ORDER_MATCH_DAYS} days of the capture (either way: an order placed earlier than that is not matched). They still count in every total above.`,
        UNMATCHED_PAYMENTS,
      ).gridPos({ x: 0, y: 25, w: 24, h: 9 }),
    )
    .withPanel(
      table(
        `Orders unpaid after ${UNPAID_AFTER_HOURS} hours`,
        `Orders placed in the time range, ${UNPAID_AFTER_HOURS} hours ago or more, that no completed Stripe or PayPal capture within ${ORDER_MATCH_DAYS} days of the order names by its order reference. Only shops whose orders in the range or the ${ORDER_MATCH_DAYS} days before it captures have paid are listed (a shop paid through another gateway would show every order).`,
        UNPAID_ORDERS,
      ).gridPos({ x: 0, y: 34, w: 24, h: 9 }),
    );
}
