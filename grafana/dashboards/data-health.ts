import { DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { QUESTDB, SqlQuery } from "../questdb.ts";
import { CHOICE_QUERIES } from "../sql/chosen.ts";
import {
  CATCH_UP_BY_SHOP,
  CONSUMER_LAG,
  DIFFERENCES,
  LAST_WEBHOOK_BY_SHOP,
  NEWEST_ORDER_BY_SHOP,
  RECONCILIATION_BY_SHOP,
} from "../sql/data-health.ts";
import { multiVariable } from "../variables.ts";

export const DATA_HEALTH_UID = "metricsdash-data-health";

const table = (title: string, description: string, sql: string) =>
  new TablePanel().title(title).description(description).datasource(QUESTDB).withTarget(new SqlQuery(sql));

/**
 * Why our numbers match the platform's, or why not: per shop, the reconciliation's checks and the
 * differences it found and fixed, the catch-up's rounds (hooks re-enabled), the last webhook
 * received, the newest order, and how far the processors' consumers are behind.
 */
export function dataHealth(): DashboardBuilder {
  return new DashboardBuilder("Data health")
    .uid(DATA_HEALTH_UID)
    .tags(["metricsdash", "health"])
    .description(
      "Reconciliation against the platforms' own numbers, catch-up rounds, newest orders, per shop.",
    )
    .editable()
    .refresh("30s")
    .time({ from: "now-7d", to: "now" })
    .timezone("browser")
    .withVariable(multiVariable("platform", "Platform", CHOICE_QUERIES.platform))
    .withVariable(multiVariable("shop", "Shop", CHOICE_QUERIES.shop))
    .withPanel(
      table(
        "Reconciliation per shop",
        "Each store-local day (today and the last RECONCILE_DAYS) compared with the platform's own count: differences found, fixed by a re-fetch, or persisting. Source: reconciliation.",
        RECONCILIATION_BY_SHOP,
      ).gridPos({ x: 0, y: 0, w: 24, h: 7 }),
    )
    .withPanel(
      table(
        "Catch-up per shop",
        "Rounds that re-read orders modified since the last one, and webhooks the platform had disabled that were turned back on. A store that was slow, paged without end or failed is stopped at its budget (CATCHUP_STORE_BUDGET_MS, CATCHUP_STORE_MAX_PAGES) and counted in rounds_stopped; last_outcome says why. Source: catchup_runs.",
        CATCH_UP_BY_SHOP,
      ).gridPos({ x: 0, y: 7, w: 12, h: 7 }),
    )
    .withPanel(
      table(
        "Newest order per shop",
        "The newest order placed in the range, and when an order of the shop last reached us (by webhook or catch-up). Source: orders.",
        NEWEST_ORDER_BY_SHOP,
      ).gridPos({ x: 12, y: 7, w: 12, h: 7 }),
    )
    .withPanel(
      table(
        "Last webhook received per shop",
        "When each shop's newest webhook reached ingest, and its age (the quietest shop first). A shop silent for longer than it usually is may have had its webhooks disabled or dropped by the platform; the catch-up still reads its orders, but they do not count here. Source: webhook_receipts.",
        LAST_WEBHOOK_BY_SHOP,
      )
        .unit("s")
        .gridPos({ x: 0, y: 14, w: 24, h: 6 }),
    )
    .withPanel(
      table(
        "Differences found",
        "Every check whose counts or gross differed: ours before and after the re-fetch, the platform's (its gross where it reports one), and the outcome. Source: reconciliation.",
        DIFFERENCES,
      ).gridPos({ x: 0, y: 20, w: 24, h: 10 }),
    )
    .withPanel(
      table(
        "Consumer lag",
        "Per processors' consumer: events not yet delivered to it (JetStream's num_pending) and delivered but not yet acknowledged, as last sampled (every CONSUMER_LAG_INTERVAL_MS), and the largest backlog in the range. Source: consumer_lag.",
        CONSUMER_LAG,
      ).gridPos({ x: 0, y: 30, w: 24, h: 7 }),
    );
}
