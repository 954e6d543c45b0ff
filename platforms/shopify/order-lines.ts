import type { AdminClient } from "./client.ts";
import { ORDER_LINES_QUERY, OrderLinesPage, type GqlLineItem } from "./graphql.ts";

/** An order as an orders page carries it: its first lines inline, and where the rest continue. */
interface PagedLines {
  id: string;
  lineItems: { nodes: GqlLineItem[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

/**
 * Every line of an order. A page of orders carries a few lines of each inline; an order with more is
 * completed line page by line page (history and catch-up read orders the same way).
 */
export async function allOrderLines(
  client: Pick<AdminClient, "request">,
  order: PagedLines,
): Promise<GqlLineItem[]> {
  const lines = [...order.lineItems.nodes];
  let page = order.lineItems.pageInfo;
  while (page.hasNextPage) {
    const more = await client.request(
      ORDER_LINES_QUERY,
      { id: order.id, after: page.endCursor },
      OrderLinesPage,
    );
    if (!more.order) break;
    lines.push(...more.order.lineItems.nodes);
    page = more.order.lineItems.pageInfo;
  }
  return lines;
}
