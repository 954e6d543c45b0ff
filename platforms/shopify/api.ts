import { z } from "zod";
import type { CanonicalEvent } from "../../core/events.ts";
import { customerKey } from "../../core/identity.ts";
import type { Logger } from "../../core/log.ts";
import type { PlatformApi, PlatformApiModule } from "../adapter.ts";
import { AdminClient } from "./client.ts";
import { grossOfSearch, GROSS_BOUNDS, type GrossBounds } from "./gross.ts";
import {
  GqlLineItem,
  ORDERS_COUNT_QUERY,
  ORDERS_PAGE_QUERY,
  OrdersCount,
  ORDERS_MODIFIED_QUERY,
  OrdersPage,
  SHOP_QUERY,
  ShopSettings,
  type GqlOrder,
} from "./graphql.ts";
import { PLATFORM } from "./constants.ts";
import { allOrderLines } from "./order-lines.ts";
import { normaliseGraphqlOrder } from "./normalise-graphql.ts";

/**
 * Shopify's Admin GraphQL behind the `PlatformApi` every platform implements, so the fetchers'
 * catch-up covers Shopify too: Shopify retries a failing webhook 8 times over 4 hours and then
 * drops it, and its own guidance is to reconcile with the API. Costs are paced by `AdminClient`
 * (it waits before a query the bucket can't pay for, instead of running it dry).
 */

/** A shop and the Admin API token we call it with; `apiUrl` as SHOPIFY_API_URL (`{shop}` replaced). */
export const ShopifyCredentials = z.object({
  shop: z
    .string()
    .max(255)
    .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "a shop's myshopify.com domain"),
  accessToken: z.string().min(1),
  apiUrl: z.string().optional(),
});
export type ShopifyCredentials = z.infer<typeof ShopifyCredentials>;

const apiEnv = z.object({
  /** The shop whose API the processors call (`acme.myshopify.com`), as its webhooks name it. */
  SHOPIFY_SHOP: z
    .string()
    .max(255)
    .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "SHOPIFY_SHOP must be the shop's myshopify.com domain"),
  /** An Admin API access token with read_orders (a custom app's, or the offline token of an install). */
  SHOPIFY_ADMIN_TOKEN: z.string().min(1, "SHOPIFY_ADMIN_TOKEN is required with SHOPIFY_SHOP"),
  /** Base of every Shopify call, as connect reads it (`https://{shop}` when unset). */
  SHOPIFY_API_URL: z.string().optional(),
});

/** Orders per catch-up page: 10 with 10 lines inline requests 842 points, under the 1,000 a query may ask. */
const PAGE_SIZE = 10;

/**
 * Shopify's search syntax: a day's orders are `created_at:>=… created_at:<…`; test orders and
 * cancelled ones are left out as our sales figures leave them out.
 */
export function salesSearch(window: { from: Date; to: Date }): string {
  return `created_at:>='${window.from.toISOString()}' created_at:<'${window.to.toISOString()}' test:false -status:cancelled`;
}

export function shopifyApi(
  credentials: ShopifyCredentials,
  shared: { customerHashKey: string; log: Logger; fetch?: typeof fetch; grossBounds?: GrossBounds },
): PlatformApi & { readonly client: AdminClient } {
  const { shop } = credentials;
  const client = new AdminClient({
    shop,
    accessToken: credentials.accessToken,
    apiUrl: credentials.apiUrl,
    log: shared.log,
    ...(shared.fetch ? { fetch: shared.fetch } : {}),
  });

  const linesOf = (order: z.infer<typeof OrdersPage>["orders"]["nodes"][number]) =>
    allOrderLines(client, order);

  const orderEvent = (order: GqlOrder, lines: GqlLineItem[], receivedAt: string): CanonicalEvent => {
    const canonical = normaliseGraphqlOrder(order, lines, (id) =>
      customerKey(shared.customerHashKey, PLATFORM, shop, id),
    );
    // The id the history (backfill) gives the same order state: JetStream drops the second copy.
    return {
      v: 1,
      platform: PLATFORM,
      shop,
      eventId: `backfill:order:${canonical.orderId}:${canonical.updatedAt}`,
      receivedAt,
      type: "order",
      order: canonical,
    };
  };

  async function* pages(document: string, query: string, receivedAt: string) {
    let after: string | null = null;
    for (;;) {
      const { orders }: z.infer<typeof OrdersPage> = await client.request(
        document,
        { first: PAGE_SIZE, after, query },
        OrdersPage,
      );
      const events: CanonicalEvent[] = [];
      for (const order of orders.nodes) events.push(orderEvent(order, await linesOf(order), receivedAt));
      yield events;
      if (!orders.pageInfo.hasNextPage || !orders.pageInfo.endCursor) return;
      after = orders.pageInfo.endCursor;
    }
  }

  return {
    platform: PLATFORM,
    shop,
    client,
    // Shopify's webhooks carry whole objects: nothing is ever sent as a ref.
    resolve: async (ref) => {
      throw new Error(`shopify has nothing to fetch for a ${ref.ref.resource} ref`);
    },
    // Sorted by modification time, paged by cursor: an order changed while we page moves behind
    // the cursor and is read by the next round, whose bookmark is this round's start.
    ordersModifiedSince: (since, receivedAt) =>
      pages(ORDERS_MODIFIED_QUERY, `updated_at:>='${since.toISOString()}'`, receivedAt),
    ordersCreatedIn: (window, receivedAt) =>
      pages(
        ORDERS_PAGE_QUERY,
        `created_at:>='${window.from.toISOString()}' created_at:<'${window.to.toISOString()}'`,
        receivedAt,
      ),
    async countOrders(window) {
      const search = salesSearch(window);
      const { ordersCount } = await client.request(ORDERS_COUNT_QUERY, { query: search }, OrdersCount);
      if (!ordersCount || ordersCount.precision !== "EXACT")
        throw new Error(`Shopify gave no exact order count for ${shop}`);
      // ordersCount only counts: the gross is the same search's orders paged and summed.
      const orders = ordersCount.count;
      const grossMinor = orders
        ? await grossOfSearch(client, search, shared.log, shared.grossBounds ?? GROSS_BOUNDS)
        : 0;
      return { orders, grossMinor };
    },
    // Shopify removes a subscription that keeps failing rather than disabling it; there is nothing to turn back on.
    reactivateHooks: async () => 0,
    async shopInfo() {
      const { shop: settings } = await client.request(SHOP_QUERY, {}, ShopSettings);
      return { currency: settings.currencyCode, timeZone: settings.ianaTimezone, utcOffsetMinutes: null };
    },
  };
}

export const shopifyApiModule: PlatformApiModule<typeof apiEnv> = {
  env: apiEnv,
  // SHOPIFY_API_URL alone does not turn the API on: connect reads it too.
  configuredBy: ["SHOPIFY_SHOP", "SHOPIFY_ADMIN_TOKEN"],
  create: (config, shared) =>
    shopifyApi(
      { shop: config.SHOPIFY_SHOP, accessToken: config.SHOPIFY_ADMIN_TOKEN, apiUrl: config.SHOPIFY_API_URL },
      shared,
    ),
  connected: { credentials: ShopifyCredentials, create: shopifyApi },
};
