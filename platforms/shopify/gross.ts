import type { Logger } from "../../core/log.ts";
import { toMinorUnits } from "../../core/money.ts";
import type { AdminClient } from "./client.ts";
import { ORDER_TOTALS_PAGE_SIZE, ORDER_TOTALS_QUERY, OrderTotalsPage } from "./graphql.ts";

/**
 * Shopify's own gross of the orders a search finds (a day's sales, for the reconciliation). Shopify
 * sums nothing over a search for us: `ordersCount` counts, and ShopifyQL's `total_sales` is net of
 * returns by the day of the return and needs `read_reports` plus access to customers' names and
 * emails. So the orders are paged, 250 totals a page, and `totalPriceSet.shopMoney` added in minor
 * units: the same amount our order rows hold. The client paces the pages by the cost bucket.
 */

export interface GrossBounds {
  /** Pages (of 250 orders) one day may take; a busier day is left unsummed rather than summed in part. */
  maxPages: number;
  /** Time one day's paging may take, waits for the cost bucket included. */
  budgetMs: number;
}

/** 10,000 orders a day, within two minutes: far more than the stores this is for sell in a day. */
export const GROSS_BOUNDS: GrossBounds = { maxPages: 40, budgetMs: 120_000 };

/**
 * The sum of `totalPriceSet.shopMoney` over the orders `search` finds, or `null` when the day is
 * over its bounds: a partial sum would look like a difference that no re-fetch can close.
 */
export async function grossOfSearch(
  client: AdminClient,
  search: string,
  log: Logger,
  bounds: GrossBounds = GROSS_BOUNDS,
): Promise<number | null> {
  const deadline = Date.now() + bounds.budgetMs;
  let gross = 0;
  let after: string | null = null;
  for (let page = 1; ; page++) {
    const { orders }: OrderTotalsPage = await client.request(
      ORDER_TOTALS_QUERY,
      { first: ORDER_TOTALS_PAGE_SIZE, after, query: search },
      OrderTotalsPage,
    );
    for (const { totalPriceSet } of orders.nodes)
      gross += toMinorUnits(
        totalPriceSet.shopMoney.amount,
        totalPriceSet.shopMoney.currencyCode.toUpperCase(),
      );
    if (!orders.pageInfo.hasNextPage || !orders.pageInfo.endCursor) return gross;
    if (page >= bounds.maxPages || Date.now() >= deadline) {
      log.warn(
        { shop: client.shop, pages: page, maxPages: bounds.maxPages, budgetMs: bounds.budgetMs },
        "shopify: a day's orders are over the gross's bounds; its gross is not compared",
      );
      return null;
    }
    after = orders.pageInfo.endCursor;
  }
}
