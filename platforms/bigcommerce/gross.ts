import { z } from "zod";
import type { BigCommerceClient } from "./client.ts";
import { bcMinor } from "./normalise.ts";
import { bcStatus } from "./status.ts";

/** What a total needs of an order in the list: the rest of it (addresses, emails) is never read. */
const OrderTotal = z.object({
  status_id: z.number().int(),
  total_inc_tax: z.string(),
  default_currency_code: z.string().regex(/^[A-Za-z]{3}$/),
  is_deleted: z.boolean().default(false),
});

/**
 * BigCommerce's own gross of the sales listed by `range` (its `min_/max_date_created` filter):
 * BigCommerce sums nothing for us, so the orders are paged (250 a page) and their `total_inc_tax`
 * added, in minor units of the order's currency, counting only what our figures count as a sale
 * (the status table's `sale`; an archived order is out, as it is of our revenue).
 */
export async function grossOfSales(client: BigCommerceClient, range: string): Promise<number> {
  let gross = 0;
  for await (const page of client.pages(`/v2/orders?${range}&sort=id:asc`)) {
    for (const item of page) {
      const order = OrderTotal.parse(item);
      if (order.is_deleted || bcStatus(order.status_id).sales !== "sale") continue;
      gross += bcMinor(order.total_inc_tax, order.default_currency_code.toUpperCase());
    }
  }
  return gross;
}
