import { BarGaugeDisplayMode, VizOrientation } from "@grafana/grafana-foundation-sdk/common";
import { DashboardBuilder, TextBoxVariableBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as BarGaugePanel } from "@grafana/grafana-foundation-sdk/bargauge";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { FORMAT, QUESTDB, SqlQuery } from "../questdb.ts";
import {
  BEHAVIOUR_VARIABLE_QUERIES,
  EXIT_PAGES,
  FRUSTRATED_ELEMENTS,
  FUNNEL,
  PAGE_VIEWS_SERIES,
  SCROLL_FUNNEL,
  SESSION_CONVERSION,
  SESSIONS_NOW,
  TOP_ELEMENTS,
  TOP_PAGES,
} from "../sql/behaviour.ts";
import { multiVariable } from "../variables.ts";

export const BEHAVIOUR_UID = "metricsdash-behaviour";

/**
 * Each page row links to its heatmap through the behaviour process's `GET /heatmap/open`, which asks
 * for HEATMAP_OPEN_PASSWORD and mints the overlay token: Grafana never holds the signing key. The
 * dashboard only needs to know where that process answers (a text box, set once per Grafana).
 */
const BEHAVIOUR_VARIABLE = new TextBoxVariableBuilder("behaviour")
  .label("SDK URL (heatmap links)")
  .description(
    "Where browsers reach the behaviour service (the script tag's origin); the page rows' heatmap links go to <this>/heatmap/open.",
  )
  .defaultValue("http://localhost:8082")
  .current({ text: "http://localhost:8082", value: "http://localhost:8082" });
export const OVERLAY_LINK = {
  title: "Open this page with its heatmap",
  url: "${behaviour}/heatmap/open?site=${__data.fields.site:percentencode}&page=${__data.fields.page:percentencode}",
  targetBlank: true,
};

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
      "Sessions, top pages, scroll depth, rage and dead clicks, top clicked elements, the funnel; bots excluded.",
    )
    .editable()
    .refresh("30s")
    .time({ from: "now-24h", to: "now" })
    .timezone("browser")
    .withVariable(multiVariable("site", "Site", BEHAVIOUR_VARIABLE_QUERIES.site))
    .withVariable(BEHAVIOUR_VARIABLE)
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
        "Views, sessions, unique visitors (daily hashes) and average time on page. Click a page for its heatmap (asks for HEATMAP_OPEN_PASSWORD).",
        TOP_PAGES,
      )
        .overrideByName("page", [{ id: "links", value: [OVERLAY_LINK] }])
        .gridPos({
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
    )
    .withPanel(
      new BarGaugePanel()
        .title("Funnel: product page → cart → checkout → order")
        .description(
          "Sessions that viewed a product page, then the cart, then a checkout page (URL patterns per site in BEHAVIOUR_SITES), and the checkouts started and orders placed that the sites' shops reported. A hosted checkout has no SDK on it: the checkout step is whichever of checkout pages viewed and checkouts started is larger.",
        )
        .datasource(QUESTDB)
        .unit("short")
        .min(0)
        .orientation(VizOrientation.Horizontal)
        .displayMode(BarGaugeDisplayMode.Basic)
        .withTarget(new SqlQuery(FUNNEL))
        .gridPos({ x: 12, y: 23, w: 12, h: 8 }),
    );
}
