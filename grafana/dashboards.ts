import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { allShops } from "./dashboards/all-shops.ts";
import { fulfilment } from "./dashboards/fulfilment.ts";
import { dataHealth } from "./dashboards/data-health.ts";
import { behaviour } from "./dashboards/behaviour.ts";
import { inventory } from "./dashboards/inventory.ts";
import { liveSales } from "./dashboards/live-sales.ts";
import { payments } from "./dashboards/payments.ts";
import { tvWall } from "./dashboards/tv-wall.ts";

/** Every provisioned dashboard: its file under provisioning/dashboards/ and how to build it. Add one here. */
export const DASHBOARDS: { file: string; build: () => Dashboard }[] = [
  { file: "live-sales.json", build: () => withPanelIds(liveSales().build()) },
  { file: "tv-wall.json", build: () => withPanelIds(tvWall().build()) },
  { file: "all-shops.json", build: () => withPanelIds(allShops().build()) },
  { file: "inventory.json", build: () => withPanelIds(inventory().build()) },
  { file: "fulfilment.json", build: () => withPanelIds(fulfilment().build()) },
  { file: "data-health.json", build: () => withPanelIds(dataHealth().build()) },
  { file: "behaviour.json", build: () => withPanelIds(behaviour().build()) },
  { file: "payments.json", build: () => withPanelIds(payments().build()) },
];

/** Grafana keys panel state (links, edit, view) by panel id; the builders leave ids unset. */
export function withPanelIds(dashboard: Dashboard): Dashboard {
  (dashboard.panels ?? []).forEach((panel, i) => {
    panel.id ??= i + 1;
  });
  return dashboard;
}

/** The exact text written to a provisioning file: stable key order from the builders, 2-space JSON. */
export function renderDashboard(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
