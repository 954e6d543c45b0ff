import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { allShops } from "./dashboards/all-shops.ts";
import { fulfilment } from "./dashboards/fulfilment.ts";
import { dataHealth } from "./dashboards/data-health.ts";
import { behaviour } from "./dashboards/behaviour.ts";
import { inventory } from "./dashboards/inventory.ts";
import { liveSales } from "./dashboards/live-sales.ts";
import { orderJourney } from "./dashboards/order-journey.ts";
import { payments } from "./dashboards/payments.ts";
import { tvWall } from "./dashboards/tv-wall.ts";

/** Every provisioned dashboard: its file under provisioning/dashboards/ and how to build it. Add one here. */
export const DASHBOARDS: { file: string; build: () => Dashboard }[] = [
  { file: "live-sales.json", build: () => finished(liveSales().build()) },
  { file: "tv-wall.json", build: () => finished(tvWall().build()) },
  { file: "all-shops.json", build: () => finished(allShops().build()) },
  { file: "inventory.json", build: () => finished(inventory().build()) },
  { file: "fulfilment.json", build: () => finished(fulfilment().build()) },
  { file: "data-health.json", build: () => finished(dataHealth().build()) },
  { file: "behaviour.json", build: () => finished(behaviour().build()) },
  { file: "payments.json", build: () => finished(payments().build()) },
  { file: "order-journey.json", build: () => finished(orderJourney().build()) },
];

/** What every dashboard gets after its builder: panel ids, and links and annotation toggles in view. */
function finished(dashboard: Dashboard): Dashboard {
  return inView(withPanelIds(dashboard));
}

/**
 * The SDK's 0.0.x builders set `placement: "inControlsMenu"` on every link and annotation query (its
 * one value), which folds them into the dashboard-controls menu; without it Grafana shows them
 * beside the title, where a person finds the TV wall link and the alert markers' switch.
 */
export function inView(dashboard: Dashboard): Dashboard {
  for (const link of dashboard.links ?? []) delete link.placement;
  for (const annotation of dashboard.annotations?.list ?? []) delete annotation.placement;
  return dashboard;
}

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
