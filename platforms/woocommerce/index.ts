import { z } from "zod";
import { inventoryLevelEvent } from "../../core/events.ts";
import { parseJsonExact } from "../../core/json.ts";
import type { Logger } from "../../core/log.ts";
import { hmacSha256Matches } from "../../core/signature.ts";
import {
  InvalidPayload,
  type Delivery,
  type PlatformAdapter,
  type PlatformApi,
  type PlatformApiModule,
  type PlatformModule,
  type Shared,
  parsePayload,
} from "../adapter.ts";
import { storeWebhookSecret } from "../../core/store-secrets.ts";
import { WOO_TOPICS, WooClient } from "./client.ts";
import { orderEvents, PLATFORM } from "./events.ts";
import { normaliseInventory, WOO_SALE_STATUSES, wooShop } from "./normalise.ts";
import { WooOrder, WooProduct } from "./payload.ts";
import { wooCommerceDemo } from "./demo/index.ts";

export { PLATFORM } from "./events.ts";

const env = z.object({
  /** The secret typed into WooCommerce → Settings → Advanced → Webhooks (or set when we create the hook). */
  WOOCOMMERCE_WEBHOOK_SECRET: z.string().min(16, "WOOCOMMERCE_WEBHOOK_SECRET must be at least 16 characters"),
  /**
   * The one site the env secret speaks for (as BIGCOMMERCE_WEBHOOK_SECRET speaks only for its store
   * hash): a delivery signed with it but naming another site in X-WC-Webhook-Source is refused.
   * Required: a secret bound to no site would let whoever holds it post orders as any shop.
   */
  WOOCOMMERCE_STORE_URL: z.url(
    "WOOCOMMERCE_STORE_URL must be set to the site's URL (as in X-WC-Webhook-Source) with WOOCOMMERCE_WEBHOOK_SECRET",
  ),
});

const apiEnv = z.object({
  /** The site's address, as in X-WC-Webhook-Source (`https://shop.example/`). */
  WOOCOMMERCE_STORE_URL: z.url("WOOCOMMERCE_STORE_URL must be the site's URL"),
  /** A REST API key with read access (WooCommerce → Settings → Advanced → REST API); write to re-enable hooks. */
  WOOCOMMERCE_CONSUMER_KEY: z
    .string()
    .min(1, "WOOCOMMERCE_CONSUMER_KEY is required with WOOCOMMERCE_STORE_URL"),
  WOOCOMMERCE_CONSUMER_SECRET: z
    .string()
    .min(1, "WOOCOMMERCE_CONSUMER_SECRET is required with WOOCOMMERCE_STORE_URL"),
});

const ORDER_TOPICS = new Set(["order.created", "order.updated", "order.restored"]);
const PRODUCT_TOPICS = new Set(["product.created", "product.updated", "product.restored"]);
/**
 * What WooCommerce posts, unsigned, when a webhook is saved (`WC_Webhook::deliver_ping`): the body
 * `webhook_id=<id>` through `wp_safe_remote_post` with no Content-Type of its own, so the transport
 * labels it form-encoded (libcurl's default for a string body) — or nothing, with a filter or another
 * transport. It keeps the hook only on exactly 200.
 */
const PING = /^webhook_id=\d+$/;
const PING_TYPES = new Set(["application/x-www-form-urlencoded", ""]);

function isPing(delivery: Delivery): boolean {
  const type = (delivery.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  return PING_TYPES.has(type) && PING.test(delivery.rawBody.toString("latin1"));
}

const parse = <S extends z.ZodType>(schema: S, body: unknown, topic: string): z.infer<S> =>
  parsePayload(schema, body, `woocommerce ${topic}`);

/**
 * The secrets a delivery may be signed with: the one set by hand in WooCommerce (env), and the
 * connected store's own, derived from the site it names in X-WC-Webhook-Source.
 */
function secretsFor(delivery: Delivery, config: z.infer<typeof env> | undefined, shared: Shared): string[] {
  const source = delivery.header("x-wc-webhook-source");
  const secrets = config && envSecretSpeaksFor(config, source) ? [config.WOOCOMMERCE_WEBHOOK_SECRET] : [];
  if (shared.storeWebhookKey && source) {
    try {
      secrets.push(storeWebhookSecret(shared.storeWebhookKey, PLATFORM, wooShop(source)));
    } catch {
      // Not a URL: no store of ours, so no store secret; the env secret alone may still verify it.
    }
  }
  return secrets;
}

/** Whether the hand-made hook's secret may sign for `source`: only for WOOCOMMERCE_STORE_URL's site. */
function envSecretSpeaksFor(config: z.infer<typeof env>, source: string | undefined): boolean {
  if (!source || !URL.canParse(source)) return false;
  return wooShop(source) === wooShop(config.WOOCOMMERCE_STORE_URL);
}

function createAdapter(config: z.infer<typeof env> | undefined, shared: Shared): PlatformAdapter {
  return {
    platform: PLATFORM,
    // "" (no Content-Type) only ever passes as a ping; anything else must still be signed JSON.
    contentTypes: ["application/json", "application/x-www-form-urlencoded", ""],

    // The signature covers the bytes as PHP wrote them (`\/` escapes and all): never re-serialise first.
    verify: (delivery) =>
      isPing(delivery) ||
      secretsFor(delivery, config, shared).some((secret) =>
        hmacSha256Matches(secret, delivery.rawBody, delivery.header("x-wc-webhook-signature"), "base64"),
      ),

    handle(delivery: Delivery) {
      if (isPing(delivery)) return { kind: "ignore", reason: "ping" };
      const topic = delivery.header("x-wc-webhook-topic");
      const source = delivery.header("x-wc-webhook-source");
      if (!topic) throw new InvalidPayload("missing X-WC-Webhook-Topic header", "X-WC-Webhook-Topic");
      let shop: string;
      try {
        shop = wooShop(source ?? "");
      } catch {
        throw new InvalidPayload("missing or malformed X-WC-Webhook-Source header", "X-WC-Webhook-Source");
      }
      if (!ORDER_TOPICS.has(topic) && !PRODUCT_TOPICS.has(topic))
        return { kind: "ignore", reason: `topic ${topic}` };

      let body: unknown;
      try {
        body = parseJsonExact(delivery.rawBody.toString("utf8"));
      } catch (err) {
        throw new InvalidPayload(`body is not valid JSON: ${(err as Error).message}`);
      }
      try {
        if (ORDER_TOPICS.has(topic)) {
          const order = parse(WooOrder, body, topic);
          const events = orderEvents(order, {
            shop,
            receivedAt: delivery.receivedAt,
            action: topic,
            customerHashKey: shared.customerHashKey,
          });
          return { kind: "publish", events };
        }
        const product = parse(WooProduct, body, topic);
        const level = normaliseInventory(product, delivery.receivedAt);
        if (!level) return { kind: "ignore", reason: "stock not managed" };
        return { kind: "publish", events: [inventoryLevelEvent(PLATFORM, shop, level, delivery.receivedAt)] };
      } catch (err) {
        if (err instanceof InvalidPayload) throw err;
        throw new InvalidPayload(`woocommerce ${topic}: ${(err as Error).message}`);
      }
    },
  };
}

/** The REST keys a connected store granted us through `/wc-auth/v1/authorize`, sealed at rest. */
export const WooCredentials = z.object({
  siteUrl: z.url(),
  consumerKey: z.string().min(1),
  consumerSecret: z.string().min(1),
});
export type WooCredentials = z.infer<typeof WooCredentials>;

export function wooApi(
  credentials: WooCredentials,
  shared: { customerHashKey: string; log: Logger },
): PlatformApi {
  const client = new WooClient(
    credentials.siteUrl,
    credentials.consumerKey,
    credentials.consumerSecret,
    shared.log,
  );
  const shop = wooShop(credentials.siteUrl);
  const events = (orders: WooOrder[], receivedAt: string, action: string) =>
    orders.flatMap((order) =>
      orderEvents(order, { shop, receivedAt, action, customerHashKey: shared.customerHashKey }),
    );
  return {
    platform: PLATFORM,
    shop,
    // WooCommerce deliveries carry whole objects; the only refs are refunds, which carry themselves.
    resolve: async (ref) => {
      throw new Error(`woocommerce has nothing to fetch for a ${ref.ref.resource} ref without its data`);
    },
    async *ordersModifiedSince(since, receivedAt) {
      for await (const orders of client.ordersModifiedSince(since))
        yield events(orders, receivedAt, "catch-up");
    },
    async historyPage(window, page, receivedAt) {
      const { orders, totalPages, total } = await client.ordersCreatedPage(window, page);
      return { events: events(orders, receivedAt, "backfill"), totalPages, totalOrders: total };
    },
    async stockPage(page, receivedAt) {
      const { items, totalPages } = await client.stockPage(page);
      const events = items.flatMap((product) => {
        // The stock as read now (sales before it are in it), not as of the product's last edit.
        const level = normaliseInventory({ ...product, date_modified_gmt: null }, receivedAt);
        return level ? [inventoryLevelEvent(PLATFORM, shop, level, receivedAt)] : [];
      });
      return { events, totalPages };
    },
    reactivateHooks: () => client.reactivateDisabledHooks(),
    shopInfo: () => client.shopInfo(),
    // WooCommerce has no test orders; cancelled, pending and failed ones are not among the sales statuses.
    async countOrders(window) {
      const orders = await client.countCreated(window, WOO_SALE_STATUSES);
      return { orders, grossMinor: orders ? await client.grossCreated(window, WOO_SALE_STATUSES) : 0 };
    },
    async subscribeWebhooks(deliveryUrl, secret) {
      await client.ensureWebhooks(deliveryUrl, secret, WOO_TOPICS);
      return [...WOO_TOPICS];
    },
  };
}

const api: PlatformApiModule<typeof apiEnv> = {
  env: apiEnv,
  // Not the site URL: the webhook secret needs it too, and a site without a REST key has no API.
  configuredBy: ["WOOCOMMERCE_CONSUMER_KEY", "WOOCOMMERCE_CONSUMER_SECRET"],
  create: (config, shared) =>
    wooApi(
      {
        siteUrl: config.WOOCOMMERCE_STORE_URL,
        consumerKey: config.WOOCOMMERCE_CONSUMER_KEY,
        consumerSecret: config.WOOCOMMERCE_CONSUMER_SECRET,
      },
      shared,
    ),
  connected: { credentials: WooCredentials, create: wooApi },
};

export const woocommerce: PlatformModule<typeof env> = {
  platform: PLATFORM,
  env,
  configuredBy: ["WOOCOMMERCE_WEBHOOK_SECRET"],
  demo: wooCommerceDemo,
  redact: {
    // The REST key pair as env, as WooCommerce's key delivery names it, and as WooCredentials names it.
    fields: [
      "WOOCOMMERCE_WEBHOOK_SECRET",
      "WOOCOMMERCE_CONSUMER_KEY",
      "WOOCOMMERCE_CONSUMER_SECRET",
      "consumer_key",
      "consumer_secret",
      "consumerKey",
      "consumerSecret",
    ],
    headers: ["x-wc-webhook-signature"],
  },
  create: createAdapter,
  connectable: true,
  // A shop is the site's host and path (wooShop); pages come from the host.
  storefrontOrigin: (shop) => `https://${shop.split("/")[0]}`,
  storefrontFunnel: {
    product: ["/product/*"],
    cart: ["/cart", "/cart/"],
    checkout: ["/checkout", "/checkout/*"],
  },
  connect: {
    env: z.object({}),
    flow: async (_env, shared) => (await import("./connect.ts")).woocommerceFlow(shared),
  },
  api,
};
