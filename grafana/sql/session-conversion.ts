import { localDayStart, NOW } from "./local-day.ts";
import { ONE_SHOP, spanTotals } from "./one-shop.ts";

/**
 * Live sales' "Orders ÷ sessions": orders placed today (store-local midnight → now) over the
 * sessions the browser SDK saw on the shop's sites today, bots left out. NULL when the shop has no
 * SDK sessions (no site names it in BEHAVIOUR_SITES), so the tile says "no data", not 0 %.
 */
export function sessionConversionToday(): string {
  return `SELECT CASE WHEN s.sessions > 0 THEN cast(o.orders_created AS double) / s.sessions END AS "Orders ÷ sessions"
FROM (
  SELECT count_distinct(session) AS sessions FROM page_views
  WHERE ${ONE_SHOP} AND bot = false AND ts >= ${localDayStart(0, "'${tz}'")} AND ts < ${NOW}
) s
CROSS JOIN (${spanTotals(0)}) o`;
}
