import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { QUESTDB, SqlQuery } from "./questdb.ts";
import { sessionConversionToday } from "./sql/session-conversion.ts";

/** Live sales' tile for the real conversion rate, which needs the browser SDK's sessions. */
export function sessionConversionPanel(): StatPanel {
  return new StatPanel()
    .title("Orders ÷ sessions today")
    .description(
      'Orders placed today over the sessions the browser SDK saw on this shop\'s sites (bots left out). Empty until a site in BEHAVIOUR_SITES names the shop. A session is one page load unless the site sets data-storage="on". Source: page_views, sales_1m.',
    )
    .withTarget(new SqlQuery(sessionConversionToday()))
    .datasource(QUESTDB)
    .unit("percentunit")
    .decimals(1)
    .noValue("no SDK sessions");
}
