import { bigCommerceFeed, bigCommerceHeaders, BigCommerceState } from "./bigcommerce-feed.ts";
import type { DemoConfig, DemoPlatform } from "./config.ts";
import { shopifyHeaders } from "./deliver.ts";
import type { FeedFactory, Webhook } from "./feed.ts";
import { BC_DEMO, WOO_DEMO, type DemoShop } from "./shops.ts";
import { shopifyFeed } from "./shopify-feed.ts";
import { wooFeed, wooHeaders } from "./woocommerce-feed.ts";

/** The topic each platform announces a new order with: one per order the demo places. */
export const ORDER_CREATED_TOPIC: Record<DemoPlatform, string> = {
  shopify: "orders/create",
  woocommerce: "order.created",
  bigcommerce: "store/order/created",
};

/** Where a shop's webhooks go and how they are signed: ingest's public route for its platform. */
export interface Outlet {
  shop: DemoShop;
  feed: FeedFactory;
  url: string;
  headers(webhook: Webhook, body: string): Record<string, string>;
  /** BigCommerce's side of the shop, which the demo's API serves. */
  bigCommerce?: BigCommerceState;
}

export function outletFor(shop: DemoShop, config: DemoConfig): Outlet {
  const url = new URL(`/webhooks/${shop.platform}`, config.DEMO_INGEST_URL).href;
  const secret = (value: string | undefined, name: string) => {
    if (!value) throw new Error(`${name} is required for the demo's ${shop.platform} shop`);
    return value;
  };
  switch (shop.platform) {
    case "shopify": {
      const key = secret(config.SHOPIFY_API_SECRET, "SHOPIFY_API_SECRET");
      return { shop, url, feed: shopifyFeed, headers: (w, body) => shopifyHeaders(key, shop.shop, w, body) };
    }
    case "woocommerce": {
      const key = secret(config.WOOCOMMERCE_WEBHOOK_SECRET, "WOOCOMMERCE_WEBHOOK_SECRET");
      return {
        shop,
        url,
        feed: wooFeed({ siteUrl: WOO_DEMO.siteUrl, taxLabel: WOO_DEMO.taxLabel, taxRate: WOO_DEMO.taxRate }),
        headers: (w, body) => wooHeaders(key, WOO_DEMO.siteUrl, w, body),
      };
    }
    case "bigcommerce": {
      const key = secret(config.BIGCOMMERCE_WEBHOOK_SECRET, "BIGCOMMERCE_WEBHOOK_SECRET");
      const state = new BigCommerceState();
      return {
        shop,
        url,
        bigCommerce: state,
        feed: bigCommerceFeed(
          { storeHash: shop.shop, storeId: BC_DEMO.storeId, domain: BC_DEMO.domain },
          state,
        ),
        headers: () => bigCommerceHeaders(key),
      };
    }
  }
}
