import { z } from "zod";

/**
 * The Admin GraphQL documents the connect flow sends, and zod schemas of the parts of their answers
 * we read. Only what the canonical events need is selected: no names, emails or addresses are asked
 * for, so none can be stored by accident.
 */

const money = `shopMoney { amount currencyCode }`;

/** Order fields shared by the paginated query and the bulk export; line items are selected per use. */
export const ORDER_FIELDS = `
  id name createdAt updatedAt cancelledAt displayFinancialStatus test
  totalPriceSet { ${money} }
  subtotalPriceSet { ${money} }
  totalTaxSet { ${money} }
  totalDiscountsSet { ${money} }
  totalShippingPriceSet { ${money} }
  customer { id }`;

export const LINE_ITEM_FIELDS = `
  id sku quantity
  originalUnitPriceSet { ${money} }
  totalDiscountSet { ${money} }
  variant { id }
  product { id }`;

/**
 * Line items fetched inline per order on a page; an order with more is completed by `ORDER_LINES_QUERY`.
 * Requested cost of a page of N orders: 2 + N × (1 order + 5 money bags × 2 + customer 1 + lines
 * 2 + 10 × 7) = 2 + 84 N, so N = 10 requests 842 of the 1,000 a single query may ask for.
 */
export const PAGE_LINES = 10;

export const ORDERS_PAGE_QUERY = `
query BackfillOrders($first: Int!, $after: String, $query: String!) {
  orders(first: $first, after: $after, query: $query, sortKey: CREATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      ${ORDER_FIELDS}
      lineItems(first: ${PAGE_LINES}) { pageInfo { hasNextPage endCursor } nodes { ${LINE_ITEM_FIELDS} } }
    }
  }
}`;

/** Orders by modification time, oldest change first: the catch-up's pages (`updated_at:>=…`). */
export const ORDERS_MODIFIED_QUERY = ORDERS_PAGE_QUERY.replace("BackfillOrders", "OrdersModified").replace(
  "sortKey: CREATED_AT",
  "sortKey: UPDATED_AT",
);

/** The same page, newest first: the preview a bulk export is preceded by. */
export const ORDERS_PAGE_QUERY_NEWEST = ORDERS_PAGE_QUERY.replace(
  "sortKey: CREATED_AT",
  "sortKey: CREATED_AT, reverse: true",
);

export const ORDER_LINES_QUERY = `
query OrderLines($id: ID!, $after: String) {
  order(id: $id) {
    lineItems(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${LINE_ITEM_FIELDS} } }
  }
}`;

export const ORDERS_COUNT_QUERY = `
query OrdersCount($query: String!) { ordersCount(query: $query, limit: null) { count precision } }`;

/**
 * Just the totals of a day's orders, for the reconciliation's gross: requested cost 2 + 250 × (order 1
 * + totalPriceSet 1 + shopMoney 1) = 752 points, so one page fits the 1,000 a query may ask for.
 */
export const ORDER_TOTALS_PAGE_SIZE = 250;

export const ORDER_TOTALS_QUERY = `
query OrderTotals($first: Int!, $after: String, $query: String!) {
  orders(first: $first, after: $after, query: $query, sortKey: CREATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { totalPriceSet { ${money} } }
  }
}`;

/** The bulk export: connections in `edges { node }` form, children written as their own JSONL lines. */
export function bulkOrdersQuery(search: string): string {
  return `{
  orders(query: ${JSON.stringify(search)}, sortKey: CREATED_AT) {
    edges { node {
      ${ORDER_FIELDS}
      lineItems { edges { node { ${LINE_ITEM_FIELDS} } } }
    } }
  }
}`;
}

export const BULK_RUN_MUTATION = `
mutation RunBulk($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}`;

export const BULK_STATUS_QUERY = `
query BulkStatus($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount rootObjectCount url partialDataUrl }
  }
}`;

/** Requested cost: 2 + N × (1 item + levels 2 + 10 × (1 level + location 1 + quantities 1)) = 2 + 33 N. */
export const INVENTORY_PAGE_SIZE = 25;

export const INVENTORY_PAGE_QUERY = `
query BackfillInventory($first: Int!, $after: String) {
  inventoryItems(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id sku
      inventoryLevels(first: 10) {
        nodes { updatedAt location { id } quantities(names: ["available"]) { name quantity } }
      }
    }
  }
}`;

export const SHOP_QUERY = `query ShopSettings { shop { name currencyCode ianaTimezone myshopifyDomain } }`;

export const WEBHOOK_CREATE_MUTATION = `
mutation Subscribe($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: { uri: $uri, format: JSON }) {
    webhookSubscription { id topic }
    userErrors { field message }
  }
}`;

export const WEBHOOKS_LIST_QUERY = `
query Subscriptions { webhookSubscriptions(first: 100) { nodes { id topic uri } } }`;

// ── answers ────────────────────────────────────────────────────────────────────────────────────

const MoneyBag = z.object({ shopMoney: z.object({ amount: z.string(), currencyCode: z.string() }) });
const Ref = z.object({ id: z.string() }).nullable().optional();
const instant = z.iso.datetime({ offset: true });

export const GqlLineItem = z.object({
  id: z.string(),
  sku: z.string().nullable().optional(),
  quantity: z.number().int().min(0),
  originalUnitPriceSet: MoneyBag,
  totalDiscountSet: MoneyBag.nullable().optional(),
  variant: Ref,
  product: Ref,
});

export const GqlOrder = z.object({
  id: z.string(),
  name: z.string().max(64).nullable().optional(),
  createdAt: instant,
  updatedAt: instant,
  cancelledAt: instant.nullable().optional(),
  displayFinancialStatus: z.string().nullable().optional(),
  test: z.boolean(),
  totalPriceSet: MoneyBag,
  subtotalPriceSet: MoneyBag.nullable().optional(),
  totalTaxSet: MoneyBag.nullable().optional(),
  totalDiscountsSet: MoneyBag.nullable().optional(),
  totalShippingPriceSet: MoneyBag.nullable().optional(),
  customer: Ref,
});

const PageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });

export const OrdersPage = z.object({
  orders: z.object({
    pageInfo: PageInfo,
    nodes: z.array(
      GqlOrder.extend({ lineItems: z.object({ pageInfo: PageInfo, nodes: z.array(GqlLineItem) }) }),
    ),
  }),
});

export const OrderLinesPage = z.object({
  order: z.object({ lineItems: z.object({ pageInfo: PageInfo, nodes: z.array(GqlLineItem) }) }).nullable(),
});

export const OrdersCount = z.object({
  ordersCount: z.object({ count: z.number().int(), precision: z.string() }).nullable(),
});

export const OrderTotalsPage = z.object({
  orders: z.object({ pageInfo: PageInfo, nodes: z.array(z.object({ totalPriceSet: MoneyBag })) }),
});

export const BulkRun = z.object({
  bulkOperationRunQuery: z.object({
    bulkOperation: z.object({ id: z.string(), status: z.string() }).nullable(),
    userErrors: z.array(z.object({ message: z.string(), code: z.string().nullable().optional() })),
  }),
});

export const BulkStatus = z.object({
  node: z
    .object({
      id: z.string(),
      status: z.string(),
      errorCode: z.string().nullable().optional(),
      objectCount: z.union([z.string(), z.number()]).transform(Number),
      rootObjectCount: z.union([z.string(), z.number()]).transform(Number),
      url: z.string().nullable().optional(),
      partialDataUrl: z.string().nullable().optional(),
    })
    .nullable(),
});

export const InventoryPage = z.object({
  inventoryItems: z.object({
    pageInfo: PageInfo,
    nodes: z.array(
      z.object({
        id: z.string(),
        sku: z.string().nullable().optional(),
        inventoryLevels: z.object({
          nodes: z.array(
            z.object({
              updatedAt: instant.nullable().optional(),
              location: z.object({ id: z.string() }),
              quantities: z.array(z.object({ name: z.string(), quantity: z.number().int() })),
            }),
          ),
        }),
      }),
    ),
  }),
});

export const ShopSettings = z.object({
  shop: z.object({
    name: z.string(),
    currencyCode: z.string().regex(/^[A-Z]{3}$/),
    ianaTimezone: z.string().min(1),
    myshopifyDomain: z.string(),
  }),
});

export const WebhookCreated = z.object({
  webhookSubscriptionCreate: z.object({
    webhookSubscription: z.object({ id: z.string(), topic: z.string() }).nullable(),
    userErrors: z.array(z.object({ message: z.string() })),
  }),
});

export const WebhookList = z.object({
  webhookSubscriptions: z.object({
    nodes: z.array(z.object({ id: z.string(), topic: z.string(), uri: z.string().nullable().optional() })),
  }),
});

export type GqlOrder = z.infer<typeof GqlOrder>;
export type GqlLineItem = z.infer<typeof GqlLineItem>;
export type OrderTotalsPage = z.infer<typeof OrderTotalsPage>;

/** `gid://shopify/Order/450789469` → `450789469`: the REST id webhooks carry, so both paths key alike. */
export function legacyId(gid: string): string {
  const match = /^gid:\/\/shopify\/[A-Za-z]+\/(\d+)(?:\?.*)?$/.exec(gid);
  if (!match) throw new RangeError(`not a Shopify global id: ${gid}`);
  return match[1]!;
}
