import { DashboardBuilder, TimePickerBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { metricStat, revenueCurvePanel, salesVariables } from "../panels.ts";

export const TV_WALL_UID = "metricsdash-tv-wall";

/**
 * For a screen across the room: four numbers in large type and the day's revenue curve, refreshing
 * every 30 s; the four numbers also follow the processors' Grafana Live push when it is configured
 * (GRAFANA_URL + GRAFANA_SERVICE_ACCOUNT_TOKEN), moving within about a second of an order. Open it as `/d/metricsdash-tv-wall?kiosk&theme=dark` (Grafana chooses the theme per
 * viewer, not per dashboard, so "dark" is part of the link).
 */
export function tvWall(): DashboardBuilder {
  const dashboard = new DashboardBuilder("TV wall")
    .uid(TV_WALL_UID)
    .tags(["metricsdash", "sales", "tv"])
    .description("Today's sales in large type for a wall screen; open with ?kiosk&theme=dark.")
    .readonly()
    .refresh("30s")
    .time({ from: "now/d", to: "now/d" })
    .timezone("browser")
    .timepicker(new TimePickerBuilder().hidden(true).refreshIntervals(["30s", "1m", "5m"]));
  for (const v of salesVariables()) dashboard.withVariable(v);
  const stats = ["revenue", "orders", "aov", "conversion"] as const;
  stats.forEach((metric, i) =>
    dashboard.withPanel(
      metricStat(metric, { big: true, live: true }).gridPos({ x: i * 6, y: 0, w: 6, h: 12 }),
    ),
  );
  dashboard.withPanel(revenueCurvePanel({ big: true }).gridPos({ x: 0, y: 12, w: 24, h: 12 }));
  return dashboard;
}
