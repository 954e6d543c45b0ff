import { z } from "zod";
import type { CanonicalEvent } from "../../core/events.ts";
import { customerKey } from "../../core/identity.ts";
import { parseJsonExact } from "../../core/json.ts";
import { hmacSha256Matches } from "../../core/signature.ts";
import {
  InvalidPayload,
  type ConnectShared,
  type Delivery,
  type PlatformAdapter,
  type PlatformModule,
  parsePayload,
} from "../adapter.ts";
import {
  normaliseCheckout,
  normaliseInventoryLevel,
  normaliseOrder,
  normaliseProduct,
  normaliseRefund,
} from "./normalise.ts";
import {
  ShopifyCheckout,
  ShopifyInventoryLevel,
  ShopifyOrder,
  ShopifyProduct,
  ShopifyRefund,
} from "./payload.ts";
import { shopifyApiModule } from "./api.ts";
import { PLATFORM } from "./constants.ts";
import { shopifyConnectEnv, type ShopifyConnectEnv } from "./connect-env.ts";
import { shopifyDemo } from "./demo/index.ts";

export { PLATFORM, SHOPIFY_API_VERSION } from "./constants.ts";

const env = z.object({
  /** The app's client secret: Shopify signs every webhook with it. Named as Shopify's CLI names it. */
  SHOPIFY_API_SECRET: z.string().min(16, "SHOPIFY_API_SECRET must be at least 16 characters"),
});

const ORDER_TOPICS = new Set(["orders/create", "orders/updated", "orders/paid", "orders/cancelled"]);
/** Checkout conversion counts checkouts started; `checkouts/update` carries the same resource, later. */
const CHECKOUT_TOPICS = new Set(["checkouts/create", "checkouts/update"]);
/** products/update carries each variant's SKU and inventory item: how stock reports find their SKU. */
const OTHER_TOPICS = new Set(["refunds/create", "inventory_levels/update", "products/update"]);

/** Every topic this adapter turns into events: the connect flow subscribes a shop to exactly these. */
export const CONSUMED_TOPICS = [...ORDER_TOPICS, ...OTHER_TOPICS];

const parse = <S extends z.ZodType>(schema: S, body: unknown, topic: string): z.infer<S> =>
  parsePayload(schema, body, `shopify ${topic}`);

function createAdapter(config: z.infer<typeof env>, shared: { customerHashKey: string }): PlatformAdapter {
  return {
    platform: PLATFORM,

    verify: (delivery) =>
      hmacSha256Matches(
        config.SHOPIFY_API_SECRET,
        delivery.rawBody,
        delivery.header("x-shopify-hmac-sha256"),
        "base64",
      ),

    handle(delivery: Delivery) {
      const topic = delivery.header("x-shopify-topic");
      const shop = delivery.header("x-shopify-shop-domain")?.toLowerCase();
      // Shopify's advice: the event id is shared by every delivery of one event; older deliveries lack it.
      const deliveryId = delivery.header("x-shopify-event-id") ?? delivery.header("x-shopify-webhook-id");
      if (!topic) throw new InvalidPayload("missing X-Shopify-Topic header", "X-Shopify-Topic");
      if (!shop || !/^[a-z0-9][a-z0-9.-]*$/.test(shop)) {
        throw new InvalidPayload(
          "missing or malformed X-Shopify-Shop-Domain header",
          "X-Shopify-Shop-Domain",
        );
      }
      if (!deliveryId)
        throw new InvalidPayload(
          "missing X-Shopify-Event-Id / X-Shopify-Webhook-Id header",
          "X-Shopify-Event-Id",
        );

      const isOrder = ORDER_TOPICS.has(topic);
      const isCheckout = CHECKOUT_TOPICS.has(topic);
      if (!isOrder && !isCheckout && !OTHER_TOPICS.has(topic)) {
        return { kind: "ignore", reason: `topic ${topic}` };
      }

      let body: unknown;
      try {
        body = parseJsonExact(delivery.rawBody.toString("utf8"));
      } catch (err) {
        throw new InvalidPayload(`body is not valid JSON: ${(err as Error).message}`);
      }

      const base = {
        v: 1 as const,
        platform: PLATFORM,
        shop,
        eventId: `${topic}:${deliveryId}`,
        receivedAt: delivery.receivedAt,
      };
      let event: CanonicalEvent;
      try {
        if (isOrder) {
          const order = parse(ShopifyOrder, body, topic);
          event = {
            ...base,
            type: "order",
            order: normaliseOrder(order, (id) => customerKey(shared.customerHashKey, PLATFORM, shop, id)),
          };
        } else if (isCheckout) {
          event = {
            ...base,
            type: "checkout",
            checkout: normaliseCheckout(parse(ShopifyCheckout, body, topic)),
          };
        } else if (topic === "refunds/create") {
          event = { ...base, type: "refund", refund: normaliseRefund(parse(ShopifyRefund, body, topic)) };
        } else if (topic === "products/update") {
          event = { ...base, type: "product", product: normaliseProduct(parse(ShopifyProduct, body, topic)) };
        } else {
          event = {
            ...base,
            type: "inventory_level",
            inventoryLevel: normaliseInventoryLevel(parse(ShopifyInventoryLevel, body, topic)),
          };
        }
      } catch (err) {
        if (err instanceof InvalidPayload) throw err;
        throw new InvalidPayload(`shopify ${topic}: ${(err as Error).message}`);
      }
      return { kind: "publish", events: [event] };
    },
  };
}

export const shopify: PlatformModule<typeof env> = {
  platform: PLATFORM,
  env,
  configuredBy: ["SHOPIFY_API_SECRET"],
  demo: shopifyDemo,
  create: createAdapter,
  // The app install (OAuth) runs when the app's key is set; its flow's own env checks the rest.
  connectedBy: ["SHOPIFY_API_KEY"],
  connect: {
    env: shopifyConnectEnv,
    flow: async (env: ShopifyConnectEnv, shared: ConnectShared) =>
      (await import("./connect.ts")).shopifyFlow(env, shared),
    // Its history is its own (a bulk export, then pages), kept in its own checkpoints.
    history: async (bucket) => {
      const [{ ShopifyCheckpoints }, { shopifyHistoryReader }] = await Promise.all([
        import("./checkpoints.ts"),
        import("./history-status.ts"),
      ]);
      return shopifyHistoryReader(await ShopifyCheckpoints.open(bucket));
    },
  },
  // A shop is its myshopify.com domain, which serves the storefront even behind a custom domain.
  storefrontOrigin: (shop) => `https://${shop}`,
  storefrontFunnel: {
    product: ["/products/*", "/collections/*/products/*"],
    cart: ["/cart", "/cart/*"],
    checkout: ["/checkout", "/checkouts/*"],
  },
  redact: {
    fields: ["SHOPIFY_API_SECRET", "SHOPIFY_ADMIN_TOKEN"],
    // The webhook signature, and the Admin API token header of every API call.
    headers: ["x-shopify-hmac-sha256", "x-shopify-access-token"],
  },
  api: shopifyApiModule,
};
