import { BarGaugeDisplayMode, VizOrientation } from "@grafana/grafana-foundation-sdk/common";
import { DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as BarGaugePanel } from "@grafana/grafana-foundation-sdk/bargauge";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { FORMAT, QUESTDB, SqlQuery } from "../questdb.ts";
import {
  BEHAVIOUR_VARIABLE_QUERIES,
  EXIT_PAGES,
  FRUSTRATED_ELEMENTS,
  PAGE_VIEWS_SERIES,
  SCROLL_FUNNEL,
  SESSION_CONVERSION,
  SESSIONS_NOW,
  TOP_ELEMENTS,
  TOP_PAGES,
} from "../sql/behaviour.ts";
import { multiVariable } from "../variables.ts";

export const BEHAVIOUR_UID = "metricsdash-behaviour";

const table = (title: string, description: string, sql: string) =>
  new TablePanel().title(title).description(description).datasource(QUESTDB).withTarget(new SqlQuery(sql));

const stat = (title: string, description: string, sql: string, unit: string) =>
  new StatPanel()
    .title(title)
    .description(description)
    .datasource(QUESTDB)
    .unit(unit)
    .withTarget(new SqlQuery(sql));

/** What visitors do on the store's own pages, from the browser SDK (sdk/): where they click, how far they read. */
export function behaviour(): DashboardBuilder {
  return new DashboardBuilder("Customer behaviour")
    .uid(BEHAVIOUR_UID)
    .tags(["metricsdash", "behaviour"])
    .description(
      "Sessions, top pages, scroll depth, rage and dead clicks, top clicked elements; bots excluded.",
    )
    .editable()
    .refresh("30s")
    .time({ from: "now-24h", to: "now" })
    .timezone("browser")
    .withVariable(multiVariable("site", "Site", BEHAVIOUR_VARIABLE_QUERIES.site))
    .withPanel(
      stat(
        "Sessions now",
        "Sessions with a page view begun in the last 30 minutes.",
        SESSIONS_NOW,
        "short",
      ).gridPos({
        x: 0,
        y: 0,
        w: 6,
        h: 5,
      }),
    )
    .withPanel(
      stat(
        "Conversion (orders ÷ sessions)",
        'Orders of the sites\' shops over the range, divided by sessions. A session is one page load unless the site allows sessionStorage (data-storage="on").',
        SESSION_CONVERSION,
        "percentunit",
      ).gridPos({ x: 6, y: 0, w: 6, h: 5 }),
    )
    .withPanel(
      new TimeSeriesPanel()
        .title("Page views")
        .datasource(QUESTDB)
        .withTarget(new SqlQuery(PAGE_VIEWS_SERIES, "A", FORMAT.timeSeries))
        .gridPos({ x: 12, y: 0, w: 12, h: 5 }),
    )
    .withPanel(
      table(
        "Top pages",
        "Views, sessions, unique visitors (daily hashes) and average time on page.",
        TOP_PAGES,
      ).gridPos({
        x: 0,
        y: 5,
        w: 14,
        h: 9,
      }),
    )
    .withPanel(
      new BarGaugePanel()
        .title("Scroll depth")
        .description("Share of page views that reached 25, 50, 75 and 100 % of the page's height.")
        .datasource(QUESTDB)
        .unit("percentunit")
        .min(0)
        .max(1)
        .orientation(VizOrientation.Horizontal)
        .displayMode(BarGaugeDisplayMode.Basic)
        .withTarget(new SqlQuery(SCROLL_FUNNEL))
        .gridPos({ x: 14, y: 5, w: 10, h: 9 }),
    )
    .withPanel(
      table(
        "Rage and dead clicks by element",
        "Rage: 3 clicks within 30 px and 1 s. Dead: nothing on the page changed within 1 s.",
        FRUSTRATED_ELEMENTS,
      ).gridPos({ x: 0, y: 14, w: 12, h: 9 }),
    )
    .withPanel(
      table(
        "Top clicked elements",
        "Clicks per element (stable CSS selector) and page.",
        TOP_ELEMENTS,
      ).gridPos({
        x: 12,
        y: 14,
        w: 12,
        h: 9,
      }),
    )
    .withPanel(
      table(
        "Exit pages",
        "The page each session ended on (its last page view in the range).",
        EXIT_PAGES,
      ).gridPos({
        x: 0,
        y: 23,
        w: 12,
        h: 8,
      }),
    );
}
