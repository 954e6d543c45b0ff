import {
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { QUESTDB, SqlQuery } from "../questdb.ts";
import { ONE_SHOP_HEALTH, ONE_SHOP_LAST_WEBHOOK } from "../sql/data-health.ts";
import { sessionConversionPanel } from "../session-conversion-panel.ts";
import { shopPaymentsPanel } from "../shop-payments-panel.ts";
import {
  comparisonTablePanel,
  metricStat,
  ordersPerMinutePanel,
  revenueCurvePanel,
  salesVariables,
  topProductsPanel,
} from "../panels.ts";

export const LIVE_SALES_UID = "metricsdash-live-sales";

/**
 * The store owner's view of one shop: today so far against yesterday and last week, in the store's time
 * zone. Several shops at once are on the "All shops" dashboard, per currency.
 */
export function liveSales(): DashboardBuilder {
  const dashboard = new DashboardBuilder("Live sales")
    .uid(LIVE_SALES_UID)
    .tags(["metricsdash", "sales"])
    .description("Revenue, orders, AOV and checkout conversion for today in the store's time zone.")
    .editable()
    .refresh("30s")
    .time({ from: "now/d", to: "now/d" })
    .timezone("browser")
    .link(
      new DashboardLinkBuilder("TV wall")
        .type(DashboardLinkType.Link)
        .url("/d/metricsdash-tv-wall?kiosk&theme=dark&${__url_time_range}&${__all_variables}")
        .icon("dashboard")
        .targetBlank(true),
    )
    .link(
      new DashboardLinkBuilder("Data health")
        .type(DashboardLinkType.Link)
        .url("/d/metricsdash-data-health?${platform:queryparam}")
        .icon("dashboard"),
    )
    .link(
      new DashboardLinkBuilder("All shops (per currency)")
        .type(DashboardLinkType.Link)
        .url("/d/metricsdash-all-shops?${__url_time_range}&${platform:queryparam}")
        .icon("dashboard"),
    );
  for (const v of salesVariables()) dashboard.withVariable(v);

  const stats = ["revenue", "orders", "aov", "conversion"] as const;
  stats.forEach((metric, i) =>
    dashboard.withPanel(metricStat(metric).gridPos({ x: i * 6, y: 0, w: 6, h: 5 })),
  );
  dashboard
    .withPanel(revenueCurvePanel().gridPos({ x: 0, y: 5, w: 16, h: 10 }))
    .withPanel(topProductsPanel().gridPos({ x: 16, y: 5, w: 8, h: 10 }))
    .withPanel(ordersPerMinutePanel().gridPos({ x: 0, y: 15, w: 16, h: 8 }))
    .withPanel(comparisonTablePanel().gridPos({ x: 16, y: 15, w: 8, h: 8 }))
    // The data-health row: do these numbers match the platform's own?
    .withPanel(
      new TablePanel()
        .title("Data health: reconciliation with the platform, last 7 days")
        .description(
          "Store-local days compared with the platform's own order count; a difference is re-fetched and checked again. Details on the Data health dashboard. Source: reconciliation.",
        )
        .withTarget(new SqlQuery(ONE_SHOP_HEALTH))
        .datasource(QUESTDB)
        .gridPos({ x: 0, y: 23, w: 16, h: 4 }),
    )
    .withPanel(
      new TablePanel()
        .title("Last webhook received")
        .description(
          "When the shop's newest webhook reached us, and how long ago. Orders the catch-up read from the platform's API do not count. Source: webhook_receipts.",
        )
        .withTarget(new SqlQuery(ONE_SHOP_LAST_WEBHOOK))
        .datasource(QUESTDB)
        .unit("s")
        .gridPos({ x: 16, y: 23, w: 8, h: 4 }),
    )
    .withPanel(sessionConversionPanel().gridPos({ x: 0, y: 27, w: 6, h: 4 }))
    .withPanel(shopPaymentsPanel().gridPos({ x: 6, y: 27, w: 18, h: 6 }));
  return dashboard;
}
