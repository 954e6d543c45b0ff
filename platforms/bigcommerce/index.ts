import { z } from "zod";
import {
  inventoryLevelEvent,
  type CanonicalEvent,
  type InventoryLevel,
  type RefEvent,
} from "../../core/events.ts";
import { customerKey } from "../../core/identity.ts";
import { parseJsonExact } from "../../core/json.ts";
import type { Logger } from "../../core/log.ts";
import { secretMatches } from "../../core/signature.ts";
import { orderEventId } from "../event-ids.ts";
import {
  InvalidPayload,
  type ConnectShared,
  type Delivery,
  type PlatformAdapter,
  type PlatformApi,
  type PlatformApiModule,
  type PlatformModule,
  type Shared,
} from "../adapter.ts";
import { storeWebhookSecret } from "../../core/store-secrets.ts";
import { BigCommerceClient } from "./client.ts";
import { bcStatus } from "./status.ts";
import { grossOfSales } from "./gross.ts";
import { normaliseOrder, normaliseRefund, productInventory, variantInventory } from "./normalise.ts";
import {
  BcCallback,
  BcCatalogProduct,
  BcOrder,
  BcOrderProduct,
  BcRefund,
  BcStore,
  BcVariant,
} from "./payload.ts";
import { bigCommerceDemo } from "./demo/index.ts";
import { bigCommerceConnectEnv, type BigCommerceConnectEnv } from "./connect-env.ts";

export const PLATFORM = "bigcommerce";
/** The custom header we ask BigCommerce to send with every callback (set in the hook's `headers`). */
export const SECRET_HEADER = "x-webhook-secret";
/** Set beside the secret on hooks of stores connected through the connect service: whose secret to check. */
export const STORE_HEADER = "x-metricsdash-store";

const storeHash = z
  .string()
  .regex(/^[a-z0-9]+$/, "BIGCOMMERCE_STORE_HASH must be the store hash (lower-case letters and digits)");

const env = z.object({
  BIGCOMMERCE_STORE_HASH: storeHash,
  BIGCOMMERCE_WEBHOOK_SECRET: z.string().min(16, "BIGCOMMERCE_WEBHOOK_SECRET must be at least 16 characters"),
});

const apiEnv = z.object({
  BIGCOMMERCE_STORE_HASH: storeHash,
  BIGCOMMERCE_ACCESS_TOKEN: z.string().min(1, "BIGCOMMERCE_ACCESS_TOKEN is required"),
  BIGCOMMERCE_API_URL: z.url("BIGCOMMERCE_API_URL must be a URL").default("https://api.bigcommerce.com"),
});

function refResource(callback: BcCallback): RefEvent["ref"]["resource"] | null {
  if (!callback.data) return null;
  if (callback.scope.startsWith("store/order/") && !callback.scope.startsWith("store/order/message"))
    return "order";
  if (callback.scope.startsWith("store/product/inventory/")) return "product";
  if (callback.scope.startsWith("store/sku/inventory/")) return "sku";
  return null;
}

/**
 * The stores a delivery's secret speaks for: the one configured in env, and a connected store whose
 * own secret (derived from STORE_WEBHOOK_KEY and the hash in X-MetricsDash-Store) it carries.
 */
function authenticatedStores(
  delivery: Delivery,
  config: z.infer<typeof env> | undefined,
  shared: Shared,
): string[] {
  const given = delivery.header(SECRET_HEADER);
  const stores: string[] = [];
  if (config && secretMatches(config.BIGCOMMERCE_WEBHOOK_SECRET, given))
    stores.push(config.BIGCOMMERCE_STORE_HASH);
  const named = delivery.header(STORE_HEADER)?.trim().toLowerCase();
  if (
    shared.storeWebhookKey &&
    named &&
    secretMatches(storeWebhookSecret(shared.storeWebhookKey, PLATFORM, named), given)
  )
    stores.push(named);
  return stores;
}

function createAdapter(config: z.infer<typeof env> | undefined, shared: Shared): PlatformAdapter {
  return {
    platform: PLATFORM,

    verify: (delivery) => authenticatedStores(delivery, config, shared).length > 0,

    /** Thin in, thin out: a `ref` for the fetchers. Ingest never calls BigCommerce. */
    handle(delivery: Delivery) {
      let body: unknown;
      try {
        body = parseJsonExact(delivery.rawBody.toString("utf8"));
      } catch (err) {
        throw new InvalidPayload(`body is not valid JSON: ${(err as Error).message}`);
      }
      const parsed = BcCallback.safeParse(body);
      if (!parsed.success) throw InvalidPayload.fromZod(parsed.error, "bigcommerce callback");
      const callback = parsed.data;
      const shop = callback.producer.slice("stores/".length).toLowerCase();
      if (!authenticatedStores(delivery, config, shared).includes(shop)) {
        throw new InvalidPayload(
          `callback from store ${shop}, not the store its secret belongs to`,
          "producer",
        );
      }
      const resource = refResource(callback);
      if (!resource || !callback.data) return { kind: "ignore", reason: `scope ${callback.scope}` };
      // `created_at` is documented as the hook's creation date, so it can't date the change: our receipt does.
      const observedAt = delivery.receivedAt;
      const event: CanonicalEvent = {
        v: 1,
        platform: PLATFORM,
        shop,
        type: "ref",
        // BigCommerce repeats `hash` on every delivery of one event; `created_at` tells two events with equal data apart.
        eventId: `${callback.scope}:${callback.hash}${callback.created_at ? `:${callback.created_at}` : ""}`,
        receivedAt: delivery.receivedAt,
        ref: {
          resource,
          id:
            resource === "sku" ? (callback.data.inventory?.variant_id ?? callback.data.id) : callback.data.id,
          action: callback.scope,
          observedAt,
        },
      };
      return { kind: "publish", events: [event] };
    },
  };
}

function parseAll<S extends z.ZodType>(schema: S, items: unknown[], what: string): z.infer<S>[] {
  return items.map((item) => {
    const parsed = schema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`BigCommerce ${what}: ${issue?.path.join(".")}: ${issue?.message}`);
    }
    return parsed.data;
  });
}

/** What every read of one store's API shares. */
interface StoreApi {
  client: BigCommerceClient;
  shop: string;
  customerHashKey: string;
}

type Window = { from: Date; to: Date };

/** An order, whole: its products and refunds beside it, as order and refund events. */
async function orderEvents(s: StoreApi, orderId: string, receivedAt: string): Promise<CanonicalEvent[]> {
  const { client, shop } = s;
  const { json, status } = await client.get(`/v2/orders/${orderId}`);
  if (status === 404 || !json) return [];
  const [order] = parseAll(BcOrder, [json], `order ${orderId}`);
  const products: BcOrderProduct[] = [];
  for await (const page of client.pages(`/v2/orders/${orderId}/products`)) {
    products.push(...parseAll(BcOrderProduct, page, `order ${orderId} products`));
  }
  const refunds = await client.get(`/v3/orders/${orderId}/payment_actions/refunds`);
  const refundList = parseAll(
    BcRefund,
    ((refunds.json as { data?: unknown[] } | null)?.data ?? []) as unknown[],
    `order ${orderId} refunds`,
  );
  const canonical = normaliseOrder(order!, products, (id) =>
    customerKey(s.customerHashKey, PLATFORM, shop, id),
  );
  const base = { v: 1 as const, platform: PLATFORM, shop, receivedAt };
  return [
    {
      ...base,
      type: "order",
      eventId: orderEventId(canonical),
      order: canonical,
    },
    ...refundList.map((refund): CanonicalEvent => ({
      ...base,
      type: "refund",
      eventId: `refund:${refund.id}`,
      refund: normaliseRefund(refund, canonical.currency, products),
    })),
  ];
}

/** The stock a product or SKU ref points at, read now. */
async function stockEvents(s: StoreApi, ref: RefEvent): Promise<CanonicalEvent[]> {
  const { client } = s;
  const at = ref.ref.observedAt;
  let levels;
  if (ref.ref.resource === "product") {
    const { json } = await client.get(`/v3/catalog/products/${ref.ref.id}`);
    const data = (json as { data?: unknown } | null)?.data;
    if (!data) return [];
    const [product] = parseAll(BcCatalogProduct, [data], `product ${ref.ref.id}`);
    levels = productInventory(product!, at);
  } else {
    const { json } = await client.get(`/v3/catalog/variants?id:in=${ref.ref.id}`);
    const data = ((json as { data?: unknown[] } | null)?.data ?? []) as unknown[];
    levels = parseAll(BcVariant, data, `variant ${ref.ref.id}`).map((variant) =>
      variantInventory(variant, at),
    );
  }
  return levels.map((level) => levelEvent(s, level, ref.receivedAt));
}

const levelEvent = (s: StoreApi, level: InventoryLevel, receivedAt: string) =>
  inventoryLevelEvent(PLATFORM, s.shop, level, receivedAt);

/** A ref to an order listed by catch-up or backfill (`action`), for the fetchers to get whole. */
function orderRef(
  s: StoreApi,
  order: { id: number | string; date_modified?: string },
  action: "catch-up" | "backfill",
  receivedAt: string,
): CanonicalEvent {
  return {
    v: 1,
    platform: PLATFORM,
    shop: s.shop,
    type: "ref",
    eventId: `${action}:${order.id}:${order.date_modified ?? ""}`,
    receivedAt,
    ref: { resource: "order", id: String(order.id), action, observedAt: receivedAt },
  };
}

async function* ordersModifiedSince(s: StoreApi, since: Date, receivedAt: string) {
  const min = bcDate(since);
  for await (const page of s.client.pages(`/v2/orders?min_date_modified=${min}&sort=date_modified:asc`)) {
    const orders = page as { id: number | string; date_modified?: string }[];
    // Refs, not orders: the fetcher gets each one whole (products, refunds) at its own pace.
    yield orders.map((order) => orderRef(s, order, "catch-up", receivedAt));
  }
}

/** V2's created-date filter for `[from, to)`: both bounds are inclusive, to the second. */
const createdRange = (window: Window) =>
  `min_date_created=${bcDate(window.from)}&max_date_created=${bcDate(new Date(window.to.getTime() - 1000))}`;

async function historyPage(s: StoreApi, window: Window, page: number, receivedAt: string) {
  const range = createdRange(window);
  const limit = 250;
  const [list, count] = await Promise.all([
    s.client.get(`/v2/orders?${range}&sort=id:asc&limit=${limit}&page=${page}`),
    s.client.get(`/v2/orders/count?${range}`),
  ]);
  const orders = (Array.isArray(list.json) ? list.json : []) as {
    id: number | string;
    date_modified?: string;
  }[];
  const total = Number((count.json as { count?: unknown } | null)?.count ?? Number.NaN);
  return {
    // Refs, like catch-up: the fetchers get each order whole, within the store's rate limit.
    events: orders.map((order) => orderRef(s, order, "backfill", receivedAt)),
    totalPages: Number.isFinite(total)
      ? Math.max(1, Math.ceil(total / limit))
      : page + (orders.length < limit ? 0 : 1),
    totalOrders: Number.isFinite(total) ? total : null,
  };
}

async function countOrders(s: StoreApi, window: Window) {
  // The count comes per status, so only sales are added.
  const range = createdRange(window);
  const { json } = await s.client.get(`/v2/orders/count?${range}`);
  const { statuses } = BcOrderCount.parse(json);
  const orders = statuses
    .filter((status) => bcStatus(status.id).sales === "sale")
    .reduce((sum, status) => sum + status.count, 0);
  return { orders, grossMinor: orders ? await grossOfSales(s.client, range) : 0 };
}

async function stockPage(s: StoreApi, page: number, receivedAt: string) {
  const limit = 250;
  const { json } = await s.client.get(`/v3/catalog/products?include=variants&limit=${limit}&page=${page}`);
  const body = (json ?? {}) as { data?: unknown[]; meta?: { pagination?: { total_pages?: number } } };
  const products = parseAll(BcCatalogProduct, body.data ?? [], `catalog page ${page}`);
  // The stock as read now: sales before this moment are already in it.
  const levels = products.flatMap((product) =>
    product.inventory_tracking === "variant"
      ? (product.variants ?? []).map((variant) => variantInventory(variant, receivedAt))
      : productInventory(product, receivedAt),
  );
  const totalPages = body.meta?.pagination?.total_pages ?? (products.length < limit ? page : page + 1);
  return { events: levels.map((level) => levelEvent(s, level, receivedAt)), totalPages };
}

async function shopInfo(client: BigCommerceClient) {
  const { json } = await client.get("/v2/store");
  const [store] = parseAll(BcStore, [json], "store information");
  return {
    currency: store!.currency.toUpperCase(),
    timeZone: store!.timezone.name || null,
    // `raw_offset` is in seconds, without daylight saving.
    utcOffsetMinutes:
      store!.timezone.raw_offset === undefined ? null : Math.round(store!.timezone.raw_offset / 60),
  };
}

async function reactivateHooks(client: BigCommerceClient) {
  // `/v3/hooks` lists the hooks of this API account only; the destination check keeps it to ingest's.
  const { json } = await client.get("/v3/hooks");
  const hooks = ((json as { data?: BcHook[] } | null)?.data ?? []).filter(
    (hook) => !hook.is_active && isOurs(hook.destination),
  );
  for (const hook of hooks) await client.request("PUT", `/v3/hooks/${hook.id}`, { is_active: true });
  return hooks.length;
}

/** The fetcher side: full orders (with products and refunds) and stock, asked of BigCommerce's API. */
export function bigCommerceApi(
  config: z.infer<typeof apiEnv>,
  shared: { customerHashKey: string; log: Logger },
  client = new BigCommerceClient({
    apiUrl: config.BIGCOMMERCE_API_URL,
    storeHash: config.BIGCOMMERCE_STORE_HASH,
    accessToken: config.BIGCOMMERCE_ACCESS_TOKEN,
    log: shared.log,
  }),
): PlatformApi & { client: BigCommerceClient } {
  const shop = config.BIGCOMMERCE_STORE_HASH;
  const s: StoreApi = { client, shop, customerHashKey: shared.customerHashKey };
  return {
    platform: PLATFORM,
    shop,
    client,
    async resolve(ref) {
      if (ref.ref.resource === "order") return orderEvents(s, ref.ref.id, ref.receivedAt);
      if (ref.ref.resource === "product" || ref.ref.resource === "sku") return stockEvents(s, ref);
      throw new Error(`bigcommerce cannot resolve a ${ref.ref.resource} ref`);
    },
    ordersModifiedSince: (since, receivedAt) => ordersModifiedSince(s, since, receivedAt),
    historyPage: (window, page, receivedAt) => historyPage(s, window, page, receivedAt),
    countOrders: (window) => countOrders(s, window),
    stockPage: (page, receivedAt) => stockPage(s, page, receivedAt),
    shopInfo: () => shopInfo(client),
    async subscribeWebhooks(deliveryUrl, secret) {
      await ensureHooks(client, deliveryUrl, secret, BC_SCOPES, shop);
      return [...BC_SCOPES];
    },
    reactivateHooks: () => reactivateHooks(client),
  };
}

/** `GET /v2/orders/count`: the total and a count per order status. */
const BcOrderCount = z.object({
  statuses: z.array(z.object({ id: z.coerce.number().int(), count: z.coerce.number().int().min(0) })),
});

/** BigCommerce V2 date filters take RFC 2822 or ISO 8601; seconds precision, URL-encoded. */
const bcDate = (date: Date) => encodeURIComponent(date.toISOString().replace(/\.\d{3}Z$/, "Z"));

interface BcHook {
  id: number;
  scope: string;
  destination: string;
  is_active: boolean;
  headers?: Record<string, string> | null;
}

/** The scopes MetricsDash consumes. */
export const BC_SCOPES = [
  "store/order/created",
  "store/order/updated",
  "store/order/statusUpdated",
  "store/order/archived",
  "store/order/refund/created",
  "store/product/inventory/updated",
  "store/sku/inventory/updated",
] as const;

function isOurs(destination: string | undefined): boolean {
  return destination !== undefined && /\/webhooks\/bigcommerce\/?(\?|$)/.test(destination);
}

/**
 * Creates our hooks for the scopes that lack one (`POST /v3/hooks`), each sending the secret back in
 * `X-Webhook-Secret`; a hook of ours whose secret header is out of date gets the current one.
 */
export async function ensureHooks(
  client: BigCommerceClient,
  destination: string,
  secret: string,
  scopes: readonly string[] = BC_SCOPES,
  /** A connected store's hash: sent back in X-MetricsDash-Store so ingest knows whose secret to check. */
  store?: string,
): Promise<{ created: string[]; updated: string[] }> {
  const { json } = await client.get("/v3/hooks");
  const existing = (json as { data?: BcHook[] } | null)?.data ?? [];
  const created: string[] = [];
  const updated: string[] = [];
  const headers: Record<string, string> = {
    "X-Webhook-Secret": secret,
    ...(store ? { "X-MetricsDash-Store": store } : {}),
  };
  for (const scope of scopes) {
    const hook = existing.find((h) => h.scope === scope && h.destination === destination);
    if (!hook) {
      await client.request("POST", "/v3/hooks", { scope, destination, is_active: true, headers });
      created.push(scope);
    } else if (Object.entries(headers).some(([name, value]) => hook.headers?.[name] !== value)) {
      await client.request("PUT", `/v3/hooks/${hook.id}`, { headers, is_active: true });
      updated.push(scope);
    }
  }
  return { created, updated };
}

/** The token a connected store granted us (app install or a store API account), sealed at rest. */
export const BcCredentials = z.object({
  storeHash: storeHash,
  accessToken: z.string().min(1),
  apiUrl: z.url().default("https://api.bigcommerce.com"),
});
export type BcCredentials = z.infer<typeof BcCredentials>;

const api: PlatformApiModule<typeof apiEnv> = {
  env: apiEnv,
  connected: {
    credentials: BcCredentials,
    create: (credentials: BcCredentials, shared) =>
      bigCommerceApi(
        {
          BIGCOMMERCE_STORE_HASH: credentials.storeHash,
          BIGCOMMERCE_ACCESS_TOKEN: credentials.accessToken,
          BIGCOMMERCE_API_URL: credentials.apiUrl,
        },
        shared,
      ),
  },
  // BigCommerce webhooks are only pointers: a store set up for webhooks without a token could never
  // resolve one, so processors refuse to start without BIGCOMMERCE_ACCESS_TOKEN then.
  configuredBy: ["BIGCOMMERCE_ACCESS_TOKEN", "BIGCOMMERCE_WEBHOOK_SECRET"],
  create: (config, shared) => bigCommerceApi(config, shared),
};

export const bigcommerce: PlatformModule<typeof env> = {
  platform: PLATFORM,
  env,
  configuredBy: ["BIGCOMMERCE_WEBHOOK_SECRET"],
  demo: bigCommerceDemo,
  redact: {
    fields: ["BIGCOMMERCE_ACCESS_TOKEN", "BIGCOMMERCE_WEBHOOK_SECRET", "BIGCOMMERCE_CLIENT_SECRET"],
    // The hook's shared secret comes back in a custom header; API calls carry the token in X-Auth-Token.
    headers: [SECRET_HEADER, "x-auth-token"],
  },
  create: createAdapter,
  connectable: true,
  // A shop is the store hash; every store has this storefront domain, whatever its custom one.
  storefrontOrigin: (shop) => `https://store-${shop}.mybigcommerce.com`,
  // Product URLs are each product's own slug: sites name them (e.g. "/mugs/*").
  storefrontFunnel: { product: [], cart: ["/cart.php"], checkout: ["/checkout", "/checkout/*"] },
  connect: {
    env: bigCommerceConnectEnv,
    flow: async (env: BigCommerceConnectEnv, shared: ConnectShared) =>
      (await import("./connect.ts")).bigCommerceFlow({ ...env, CONNECT_PUBLIC_URL: shared.connectUrl }),
  },
  api,
};
