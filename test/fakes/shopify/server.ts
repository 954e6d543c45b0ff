import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { graphql, parse, validate, type DocumentNode, type ExecutionResult } from "graphql";
import { Hono } from "hono";
import { shopifyWebhookHeaders } from "../../../platforms/shopify/webhook-headers.ts";
import { orderPayload, shopifyJson, type OrderSpec } from "../../support/shopify-webhooks.ts";
import { connection, gid, graphqlOrder, queryCost, schema, UserFacingError, type Page } from "./schema.ts";
import type { FakeShopData } from "./store.ts";

/**
 * A local Shopify for tests, faithful to the documented behaviour the connect flow relies on:
 *
 * - OAuth: `/admin/oauth/authorize` shows an approval page (approve or cancel), redirects back with
 *   `code`, `shop`, `state`, `timestamp`, `host` and an `hmac` (hex HMAC-SHA256 of the sorted query,
 *   signed with the app secret); `/admin/oauth/access_token` swaps a single-use code for an offline token.
 * - Admin GraphQL: `X-Shopify-Access-Token` required; calculated query cost (requested before,
 *   actual after), a leaky bucket per app+shop (Standard plan: 100 points/s, 2,000 points; a single
 *   query may not request over 1,000), `THROTTLED` errors with `extensions.cost.throttleStatus`;
 *   cursor pagination with `first`/`last` ≤ 250; only the last 60 days of orders without
 *   `read_all_orders`; bulk query operations (CREATED → RUNNING → COMPLETED, running `objectCount`,
 *   ungrouped JSONL with `__parentId`, one at a time per shop); webhook subscription mutations.
 * - Webhooks: signed deliveries to subscribed URIs (order topics, `app/uninstalled`) and the three
 *   compliance topics to the app's configured URI.
 *
 * Shops are addressed by path: the API base of `acme.myshopify.com` is `<fake>/acme.myshopify.com`,
 * which is what `SHOPIFY_API_URL=<fake>/{shop}` tells our code. `speed` runs the fake's clock faster
 * (the bucket refills and bulk operations progress `speed` times faster than real time).
 */

export interface FakeShopifyOptions {
  apiKey: string;
  apiSecret: string;
  /** Standard plan: 100 points/s restored into a 2,000-point bucket. */
  restoreRate?: number;
  bucketSize?: number;
  maxQueryCost?: number;
  speed?: number;
  /** Objects a bulk operation processes per (fake) second. Shopify documents none; this is an assumption. */
  bulkObjectsPerSecond?: number;
  /** Where compliance webhooks go (set once per app in shopify.app.toml). */
  complianceUri?: string;
}

interface BulkOp {
  id: string;
  shop: string;
  query: string;
  createdAtMs: number;
  durationMs: number;
  roots: number;
  lines: string[];
  fail: boolean;
}

interface Subscription {
  id: string;
  topic: string;
  uri: string;
  format: string;
}

interface ShopState {
  data: FakeShopData;
  tokens: Set<string>;
  scopes: string;
  available: number;
  refilledAt: number;
  subscriptions: Subscription[];
  bulk: BulkOp[];
  searches: Map<string, { at: number; specs: OrderSpec[] }>;
}

export interface FakeStats {
  requests: number;
  throttled: number;
  retryAfterSent: number;
  requestedCost: number;
  actualCost: number;
  bulkOperations: number;
  webhooksDelivered: number;
}

const TOPIC_NAMES: Record<string, string> = {
  APP_UNINSTALLED: "app/uninstalled",
  ORDERS_CREATE: "orders/create",
  ORDERS_UPDATED: "orders/updated",
  ORDERS_PAID: "orders/paid",
  ORDERS_CANCELLED: "orders/cancelled",
  REFUNDS_CREATE: "refunds/create",
  INVENTORY_LEVELS_UPDATE: "inventory_levels/update",
  PRODUCTS_CREATE: "products/create",
  PRODUCTS_UPDATE: "products/update",
};

const DAY = 86_400_000;
const html = (body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>Shopify (fake)</title></head><body>${body}</body></html>`;
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Shopify's OAuth HMAC: hex HMAC-SHA256 over the query without `hmac`, keys sorted, form-encoded. */
export function signQuery(secret: string, params: Record<string, string>): string {
  const search = new URLSearchParams();
  for (const key of Object.keys(params).sort((a, b) => a.localeCompare(b))) search.append(key, params[key]!);
  return createHmac("sha256", secret).update(search.toString().replace(/\+/g, "%20")).digest("hex");
}

export class FakeShopify {
  readonly options: Required<Omit<FakeShopifyOptions, "complianceUri">> & { complianceUri?: string };
  readonly shops = new Map<string, ShopState>();
  readonly stats: FakeStats = {
    requests: 0,
    throttled: 0,
    retryAfterSent: 0,
    requestedCost: 0,
    actualCost: 0,
    bulkOperations: 0,
    webhooksDelivered: 0,
  };
  /** GraphQL requests per shop, so a test can see a shop's work stop. */
  readonly requestsByShop = new Map<string, number>();
  /** Fault injection: the next N GraphQL requests get 429 with `Retry-After`. */
  retryAfterNext = 0;
  retryAfterSeconds = 1;
  /**
   * Fault injection: the next N deliveries are lost — as when Shopify's 8 retries over 4 hours all
   * failed and it gave up on the event. Counted in `lostDeliveries`.
   */
  loseNextDeliveries = 0;
  lostDeliveries = 0;
  /** Fault injection: the next bulk operation fails (with partial data). */
  failNextBulk = false;
  private readonly codes = new Map<string, { shop: string; scopes: string; expires: number }>();
  private server: ServerType | undefined;
  private origin = "";
  private bulkSeq = 0;
  private subSeq = 0;

  constructor(options: FakeShopifyOptions) {
    this.options = {
      restoreRate: 100,
      bucketSize: 2000,
      maxQueryCost: 1000,
      speed: 1,
      bulkObjectsPerSecond: 2000,
      ...options,
    };
  }

  get url(): string {
    return this.origin;
  }

  /** The value for SHOPIFY_API_URL: our code replaces `{shop}` with the shop's domain. */
  get apiUrlTemplate(): string {
    return `${this.origin}/{shop}`;
  }

  addShop(data: FakeShopData): void {
    this.shops.set(data.domain, {
      data,
      tokens: new Set(),
      scopes: "",
      available: this.options.bucketSize,
      refilledAt: Date.now(),
      subscriptions: [],
      bulk: [],
      searches: new Map(),
    });
  }

  shop(domain: string): ShopState {
    const shop = this.shops.get(domain);
    if (!shop) throw new Error(`fake Shopify has no shop ${domain}`);
    return shop;
  }

  /** A token as if the owner had approved (for tests of the API client, not of OAuth). */
  issueToken(domain: string, scopes = "read_orders,read_products,read_inventory"): string {
    const shop = this.shop(domain);
    const token = `shpat_${randomBytes(16).toString("hex")}`;
    shop.tokens.add(token);
    shop.scopes = scopes;
    return token;
  }

  async start(): Promise<void> {
    const app = this.app();
    await new Promise<void>((resolve) => {
      this.server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) => {
        this.origin = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Real-world seconds the points spent so far take at the configured restore rate (after the first full bucket). */
  modelledSeconds(): number {
    return Math.max(0, this.stats.actualCost - this.options.bucketSize) / this.options.restoreRate;
  }

  // ── webhooks ────────────────────────────────────────────────────────────────────────────────

  private async post(uri: string, topic: string, shop: string, body: string) {
    const response = await fetch(uri, {
      method: "POST",
      headers: shopifyWebhookHeaders(
        this.options.apiSecret,
        {
          topic,
          shop,
          eventId: randomUUID(),
          webhookId: randomUUID(),
          triggeredAt: new Date().toISOString(),
        },
        body,
      ),
      body,
      // Shopify gives an endpoint 5 s before it counts the delivery as failed.
      signal: AbortSignal.timeout(5000),
    });
    this.stats.webhooksDelivered++;
    return { status: response.status, body: await response.text() };
  }

  /** Delivers `topic` with `payload` to every subscription of the shop for that topic. */
  async deliver(shopDomain: string, topic: string, payload: unknown) {
    const shop = this.shop(shopDomain);
    const body = typeof payload === "string" ? payload : shopifyJson(payload);
    const targets = shop.subscriptions.filter((s) => TOPIC_NAMES[s.topic] === topic);
    if (this.loseNextDeliveries > 0 && targets.length) {
      this.loseNextDeliveries--;
      this.lostDeliveries++;
      return [];
    }
    return Promise.all(targets.map((s) => this.post(s.uri, topic, shopDomain, body)));
  }

  /** A new order appears in the shop (and in later queries) and `orders/create` is delivered. */
  async placeOrder(shopDomain: string, spec: OrderSpec) {
    this.shop(shopDomain).data.orders.push(spec);
    return this.deliver(shopDomain, "orders/create", orderPayload(spec));
  }

  /**
   * The merchant edits an order (Shopify's order editing: lines added or removed, so its total moves
   * and `updated_at` with it): later queries answer the new state and `orders/updated` is delivered.
   */
  async editOrder(shopDomain: string, spec: OrderSpec) {
    const shop = this.shop(shopDomain);
    const index = shop.data.orders.findIndex((o) => o.id === spec.id);
    if (index < 0) throw new Error(`fake Shopify: ${shopDomain} has no order ${spec.id}`);
    shop.data.orders[index] = spec;
    // Cached searches are keyed by the number of orders, which an edit leaves as it was.
    shop.searches.clear();
    return this.deliver(shopDomain, "orders/updated", orderPayload(spec));
  }

  /** The merchant uninstalls: tokens stop working, then `app/uninstalled` is delivered. */
  async uninstall(shopDomain: string) {
    const shop = this.shop(shopDomain);
    const results = await this.deliver(shopDomain, "app/uninstalled", {
      id: 548380009,
      name: shop.data.name,
      email: "owner.pii@example.com",
      domain: shopDomain,
      myshopify_domain: shopDomain,
    });
    shop.tokens.clear();
    shop.subscriptions = [];
    return results;
  }

  async compliance(
    topic: "customers/data_request" | "customers/redact" | "shop/redact",
    shopDomain: string,
    opts: { signature?: string; customerId?: bigint } = {},
  ) {
    if (!this.options.complianceUri) throw new Error("fake Shopify has no complianceUri");
    const base = { shop_id: 548380009, shop_domain: shopDomain };
    const customer = {
      id: (opts.customerId ?? 115310627314723954n).toString(),
      email: "jane.doe.pii@example.com",
      phone: "+15555550123",
    };
    const payload =
      topic === "shop/redact"
        ? base
        : topic === "customers/redact"
          ? { ...base, customer, orders_to_redact: [299938, 280263] }
          : { ...base, customer, orders_requested: [299938], data_request: { id: 9999 } };
    // Ids as bare JSON integers, as Shopify sends them (above 2^53 they need an exact parse).
    const body = JSON.stringify(payload).replace(/"id":"(\d+)"/g, '"id":$1');
    const response = await fetch(this.options.complianceUri, {
      method: "POST",
      headers: shopifyWebhookHeaders(
        this.options.apiSecret,
        {
          topic,
          shop: shopDomain,
          eventId: randomUUID(),
          webhookId: randomUUID(),
          triggeredAt: new Date().toISOString(),
          ...(opts.signature === undefined ? {} : { signature: opts.signature }),
        },
        body,
      ),
      body,
    });
    return { status: response.status, body: await response.text() };
  }

  // ── HTTP ───────────────────────────────────────────────────────────────────────────────────

  private app(): Hono {
    const app = new Hono();
    const { apiKey, apiSecret } = this.options;

    app.get("/:shop/admin/oauth/authorize", (c) => {
      const shop = c.req.param("shop");
      if (!this.shops.has(shop)) return c.html(html("<h1>There’s no store with that address</h1>"), 404);
      const q = c.req.query();
      if (q.client_id !== apiKey) return c.html(html("<h1>Invalid client_id</h1>"), 400);
      if (!q.redirect_uri || !q.state)
        return c.html(html("<h1>redirect_uri and state are required</h1>"), 400);
      const hidden = ["redirect_uri", "state", "scope"]
        .map((k) => `<input type="hidden" name="${k}" value="${escape(q[k] ?? "")}">`)
        .join("");
      return c.html(
        html(`<h1>Install MetricsDash on ${escape(shop)}?</h1>
<p>It will be able to: ${escape(q.scope ?? "")}</p>
<form method="post" action="/${escape(shop)}/admin/oauth/approve">${hidden}
<button name="decision" value="approve" id="install">Install app</button>
<button name="decision" value="cancel" id="cancel">Cancel</button></form>`),
      );
    });

    app.post("/:shop/admin/oauth/approve", async (c) => {
      const shop = c.req.param("shop");
      const form = await c.req.parseBody();
      const redirect = new URL(String(form.redirect_uri));
      const state = String(form.state);
      if (form.decision !== "approve") {
        // What an OAuth client sees when the person declines; Shopify keeps them in the admin, our page explains.
        redirect.search = new URLSearchParams({ error: "access_denied", shop, state }).toString();
        return c.redirect(redirect.toString(), 302);
      }
      const code = randomBytes(16).toString("hex");
      this.codes.set(code, { shop, scopes: String(form.scope ?? ""), expires: Date.now() + 60_000 });
      const params: Record<string, string> = {
        code,
        host: Buffer.from(`admin.shopify.com/store/${shop.split(".")[0]}`).toString("base64url"),
        shop,
        state,
        timestamp: String(Math.floor(Date.now() / 1000)),
      };
      const search = new URLSearchParams({ ...params, hmac: signQuery(apiSecret, params) });
      redirect.search = search.toString();
      return c.redirect(redirect.toString(), 302);
    });

    app.post("/:shop/admin/oauth/access_token", async (c) => {
      const shop = c.req.param("shop");
      const body = (await c.req.json().catch(() => ({}))) as Record<string, string>;
      const grant = this.codes.get(body.code ?? "");
      this.codes.delete(body.code ?? "");
      if (body.client_id !== apiKey || body.client_secret !== apiSecret)
        return c.json({ error: "invalid_client", error_description: "Client credentials are invalid" }, 400);
      if (!grant || grant.shop !== shop || grant.expires < Date.now())
        return c.json(
          {
            error: "invalid_request",
            error_description: "The authorization code was not found or was already used",
          },
          400,
        );
      const token = `shpat_${randomBytes(16).toString("hex")}`;
      const state = this.shop(shop);
      state.tokens.add(token);
      state.scopes = grant.scopes;
      return c.json({ access_token: token, scope: grant.scopes });
    });

    app.post("/:shop/admin/api/:version/graphql.json", async (c) => {
      const shop = this.shops.get(c.req.param("shop"));
      if (!shop) return c.json({ errors: "Not Found" }, 404);
      const token = c.req.header("x-shopify-access-token");
      if (!token || !shop.tokens.has(token))
        return c.json(
          { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" },
          401,
        );
      this.stats.requests++;
      this.requestsByShop.set(shop.data.domain, (this.requestsByShop.get(shop.data.domain) ?? 0) + 1);
      if (this.retryAfterNext > 0) {
        this.retryAfterNext--;
        this.stats.retryAfterSent++;
        c.header("Retry-After", String(this.retryAfterSeconds));
        return c.json({ errors: "Too Many Requests" }, 429);
      }
      const { query, variables = {} } = (await c.req.json()) as {
        query: string;
        variables?: Record<string, unknown>;
      };
      if (typeof variables !== "object" || variables === null || Array.isArray(variables)) {
        return c.json({ errors: [{ message: "Variables must be an object" }] }, 400);
      }
      let document: DocumentNode;
      try {
        document = parse(query);
      } catch (err) {
        return c.json({ errors: [{ message: (err as Error).message }] });
      }
      const invalid = validate(schema, document);
      if (invalid.length) return c.json({ errors: invalid.map((e) => ({ message: e.message })) });

      const requested = queryCost(document, variables);
      this.refill(shop);
      const throttleStatus = () => ({
        maximumAvailable: this.options.bucketSize,
        currentlyAvailable: Math.floor(shop.available),
        restoreRate: this.options.restoreRate * this.options.speed,
      });
      if (requested > this.options.maxQueryCost) {
        return c.json({
          errors: [
            {
              message: `Query cost is ${requested}, which exceeds the single query max cost limit (${this.options.maxQueryCost}).`,
              extensions: { code: "MAX_COST_EXCEEDED", cost: requested, maxCost: this.options.maxQueryCost },
            },
          ],
        });
      }
      if (shop.available < requested) {
        this.stats.throttled++;
        return c.json({
          errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }],
          extensions: {
            cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: throttleStatus() },
          },
        });
      }
      const result = (await graphql({
        schema,
        source: query,
        variableValues: variables,
        rootValue: this.resolvers(shop, false),
      })) as ExecutionResult<Record<string, unknown>>;
      const actual = Math.min(requested, queryCost(document, variables, result.data ?? null));
      shop.available -= actual;
      this.stats.requestedCost += requested;
      this.stats.actualCost += actual;
      return c.json({
        ...(result.errors
          ? {
              errors: result.errors.map((e) => ({
                message: e.message,
                path: e.path,
                extensions: {
                  code: e.originalError instanceof UserFacingError ? e.originalError.code : "INTERNAL",
                },
              })),
            }
          : {}),
        data: result.data ?? null,
        extensions: {
          cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: throttleStatus() },
        },
      });
    });

    app.get("/bulk/:file", (c) => {
      const id = c.req.param("file").replace(/\.jsonl$/, "");
      for (const shop of this.shops.values()) {
        const op = shop.bulk.find((b) => b.id.endsWith(`/${id}`));
        if (op) {
          const lines = op.fail ? op.lines.slice(0, Math.floor(op.lines.length / 3)) : op.lines;
          return c.body(lines.join("\n") + (lines.length ? "\n" : ""), 200, {
            "content-type": "application/jsonl",
          });
        }
      }
      return c.text("NoSuchKey", 404);
    });

    app.get("/fake/stats", (c) => c.json({ ...this.stats, modelledSeconds: this.modelledSeconds() }));
    return app;
  }

  private refill(shop: ShopState): void {
    const now = Date.now();
    const rate = this.options.restoreRate * this.options.speed;
    shop.available = Math.min(
      this.options.bucketSize,
      shop.available + ((now - shop.refilledAt) / 1000) * rate,
    );
    shop.refilledAt = now;
  }

  // ── resolvers ───────────────────────────────────────────────────────────────────────────────

  private visibleOrders(shop: ShopState, search: string | null | undefined): OrderSpec[] {
    // Without read_all_orders only the last 60 days are visible, as on Shopify.
    const horizon = shop.scopes.includes("read_all_orders") ? 0 : Date.now() - 60 * DAY;
    const filters = (search ?? "")
      .split(/\s+/)
      .filter(Boolean)
      .map((term): ((o: OrderSpec) => boolean) => {
        // Search syntax: `-` negates a term; `test` is a boolean field; `status:cancelled` matches cancelled orders.
        const negated = term.startsWith("-");
        const plain = negated ? term.slice(1) : term;
        const flag = /^(test|status):(\w+)$/.exec(plain);
        if (flag) {
          const [, field, value] = flag;
          if (field === "status" && value !== "cancelled")
            throw new UserFacingError(`unsupported status in fake: ${value}`, "BAD_REQUEST");
          const holds = (o: OrderSpec) =>
            field === "test" ? (o.test ?? false) === (value === "true") : Boolean(o.cancelledAt);
          return negated ? (o) => !holds(o) : holds;
        }
        const match = /^(created_at|updated_at):(>=|<=|>|<)?['"]?([^'"]+)['"]?$/.exec(term);
        if (!match) throw new UserFacingError(`unsupported search term in fake: ${term}`, "BAD_REQUEST");
        const [, field, op = ">=", value] = match;
        const at = Date.parse(value!);
        return (o: OrderSpec) => {
          const t = Date.parse(field === "created_at" ? o.createdAt : (o.updatedAt ?? o.createdAt));
          return op === ">=" ? t >= at : op === ">" ? t > at : op === "<=" ? t <= at : t < at;
        };
      });
    return shop.data.orders.filter((o) => Date.parse(o.createdAt) >= horizon && filters.every((f) => f(o)));
  }

  private sorted(orders: OrderSpec[], sortKey: string | undefined, reverse: boolean | undefined) {
    const key =
      sortKey === "CREATED_AT"
        ? (o: OrderSpec) => Date.parse(o.createdAt)
        : sortKey === "UPDATED_AT"
          ? (o: OrderSpec) => Date.parse(o.updatedAt ?? o.createdAt)
          : (o: OrderSpec) => Number(o.id);
    const list = [...orders].sort((a, b) => key(a) - key(b) || Number(a.id - b.id));
    return reverse ? list.reverse() : list;
  }

  private inventoryItems(shop: ShopState, bulk: boolean) {
    return shop.data.variants.map((v) => ({
      id: gid("InventoryItem", v.inventoryItemId),
      sku: v.sku || null,
      inventoryLevels: (page: Page) =>
        connection(
          shop.data.levels
            .filter((l) => l.inventoryItemId === v.inventoryItemId)
            .map((l) => ({
              id: gid("InventoryLevel", `${l.inventoryItemId}?inventory_item_id=${l.locationId}`),
              updatedAt: l.updatedAt,
              location: { id: gid("Location", l.locationId), name: `Location ${l.locationId}` },
              quantities: ({ names }: { names: string[] }) =>
                names.filter((n) => n === "available").map((name) => ({ name, quantity: l.available })),
            })),
          page,
          bulk,
        ),
    }));
  }

  private bulkView(op: BulkOp) {
    const elapsed = (Date.now() - op.createdAtMs) * this.options.speed;
    const created = elapsed < 50;
    const done = elapsed >= op.durationMs;
    const progress = Math.min(1, elapsed / Math.max(1, op.durationMs));
    const status = created ? "CREATED" : !done ? "RUNNING" : op.fail ? "FAILED" : "COMPLETED";
    const file = `${this.origin}/bulk/${op.id.split("/").pop()}.jsonl`;
    return {
      __typename: "BulkOperation",
      id: op.id,
      status,
      errorCode: status === "FAILED" ? "INTERNAL_SERVER_ERROR" : null,
      objectCount: String(done ? op.lines.length : Math.floor(op.lines.length * progress)),
      rootObjectCount: String(done ? op.roots : Math.floor(op.roots * progress)),
      fileSize: status === "COMPLETED" ? String(op.lines.reduce((n, l) => n + l.length + 1, 0)) : null,
      url: status === "COMPLETED" ? file : null,
      partialDataUrl: status === "FAILED" ? file : null,
      query: op.query,
      type: "QUERY",
      createdAt: new Date(op.createdAtMs).toISOString(),
      completedAt: status === "COMPLETED" ? new Date().toISOString() : null,
    };
  }

  private resolvers(shop: ShopState, bulk: boolean) {
    const d = shop.data;
    return {
      shop: () => ({
        name: d.name,
        currencyCode: d.currency,
        ianaTimezone: d.timezone,
        myshopifyDomain: d.domain,
        email: "owner.pii@example.com",
      }),
      orders: (args: Page & { query?: string; sortKey?: string; reverse?: boolean }) => {
        // Paging 50,000 orders 10 at a time must not filter and sort them 5,000 times: the sorted
        // list is kept per search until the shop's orders change (or a minute passes: the horizon moves).
        const key = `${args.query ?? ""}|${args.sortKey ?? ""}|${args.reverse ?? false}|${shop.data.orders.length}`;
        let list = shop.searches.get(key);
        if (!list || Date.now() - list.at > 60_000) {
          list = {
            at: Date.now(),
            specs: this.sorted(this.visibleOrders(shop, args.query), args.sortKey, args.reverse),
          };
          shop.searches.clear();
          shop.searches.set(key, list);
        }
        // Render only the page asked for (cursors are positions in the sorted list).
        const page = connection(list.specs, args, bulk);
        const render = (o: OrderSpec) => graphqlOrder(o, bulk);
        return {
          edges: page.edges.map((e) => ({ cursor: e.cursor, node: render(e.node) })),
          nodes: page.nodes.map(render),
          pageInfo: page.pageInfo,
        };
      },
      order: ({ id }: { id: string }) => {
        const spec = this.visibleOrders(shop, "").find((o) => gid("Order", o.id) === id);
        return spec ? graphqlOrder(spec, bulk) : null;
      },
      ordersCount: ({ query, limit }: { query?: string; limit?: number | null }) => {
        const count = this.visibleOrders(shop, query).length;
        return limit != null && count > limit
          ? { count: limit, precision: "AT_LEAST" }
          : { count, precision: "EXACT" };
      },
      inventoryItems: (args: Page) => connection(this.inventoryItems(shop, bulk), args, bulk),
      node: ({ id }: { id: string }) => {
        const op = shop.bulk.find((b) => b.id === id);
        return op ? this.bulkView(op) : null;
      },
      currentBulkOperation: () => {
        const op = shop.bulk.at(-1);
        return op ? this.bulkView(op) : null;
      },
      webhookSubscriptions: (args: Page) =>
        connection(
          shop.subscriptions.map((s) => ({ ...s, __typename: "WebhookSubscription" })),
          args,
          bulk,
        ),
      bulkOperationRunQuery: async ({ query }: { query: string }) => {
        const running = shop.bulk.find((b) => ["CREATED", "RUNNING"].includes(this.bulkView(b).status));
        if (running) {
          return {
            bulkOperation: null,
            userErrors: [
              {
                field: ["query"],
                message: "A bulk query operation for this app and shop is already in progress: " + running.id,
                code: "OPERATION_IN_PROGRESS",
              },
            ],
          };
        }
        const result = (await graphql({
          schema,
          source: query,
          rootValue: this.resolvers(shop, true),
        })) as ExecutionResult<Record<string, unknown>>;
        if (result.errors?.length) {
          return {
            bulkOperation: null,
            userErrors: result.errors.map((e) => ({ field: ["query"], message: e.message, code: "INVALID" })),
          };
        }
        const { lines, roots } = toJsonl(result.data ?? {});
        const op: BulkOp = {
          id: gid("BulkOperation", 720_000_000 + ++this.bulkSeq),
          shop: d.domain,
          query,
          createdAtMs: Date.now(),
          durationMs: (lines.length / this.options.bulkObjectsPerSecond) * 1000,
          roots,
          lines,
          fail: this.failNextBulk,
        };
        this.failNextBulk = false;
        shop.bulk.push(op);
        this.stats.bulkOperations++;
        return { bulkOperation: { ...this.bulkView(op), status: "CREATED" }, userErrors: [] };
      },
      webhookSubscriptionCreate: ({
        topic,
        webhookSubscription,
      }: {
        topic: string;
        webhookSubscription: { uri?: string; callbackUrl?: string; format?: string };
      }) => {
        const uri = webhookSubscription.uri ?? webhookSubscription.callbackUrl ?? "";
        let problem: string | undefined;
        try {
          const url = new URL(uri);
          // Shopify wants HTTPS; the fake also accepts plain HTTP on the loopback so tests can listen.
          if (url.protocol !== "https:" && url.hostname !== "127.0.0.1")
            problem = "Address protocol http:// is not supported";
        } catch {
          problem = "Address is invalid";
        }
        if (shop.subscriptions.some((s) => s.topic === topic && s.uri === uri))
          problem = "Address for this topic has already been taken";
        if (problem)
          return {
            webhookSubscription: null,
            userErrors: [{ field: ["webhookSubscription", "uri"], message: problem }],
          };
        const sub = {
          id: gid("WebhookSubscription", 930_000 + ++this.subSeq),
          topic,
          uri,
          format: webhookSubscription.format ?? "JSON",
        };
        shop.subscriptions.push(sub);
        return { webhookSubscription: sub, userErrors: [] };
      },
      webhookSubscriptionDelete: ({ id }: { id: string }) => {
        const before = shop.subscriptions.length;
        shop.subscriptions = shop.subscriptions.filter((s) => s.id !== id);
        return before === shop.subscriptions.length
          ? {
              deletedWebhookSubscriptionId: null,
              userErrors: [{ field: ["id"], message: "Webhook subscription does not exist" }],
            }
          : { deletedWebhookSubscriptionId: id, userErrors: [] };
      },
    };
  }
}

/**
 * Bulk output: every object on its own line, nested connection children carrying `__parentId`.
 * Not grouped (the default since groupObjects became optional): children come in blocks after
 * their parents rather than right after each one, so a reader must not assume adjacency.
 */
function toJsonl(data: Record<string, unknown>): { lines: string[]; roots: number } {
  const lines: string[] = [];
  let roots = 0;
  const root = Object.values(data)[0] as { edges?: { node: Record<string, unknown> }[] } | undefined;
  const nodes = (root?.edges ?? []).map((e) => e.node);
  const BLOCK = 100;
  for (let i = 0; i < nodes.length; i += BLOCK) {
    const children: string[] = [];
    for (const node of nodes.slice(i, i + BLOCK)) {
      roots++;
      lines.push(JSON.stringify(flatten(node, undefined, children)));
    }
    lines.push(...children);
  }
  return { lines, roots };
}

function flatten(node: Record<string, unknown>, parentId: string | undefined, children: string[]) {
  const own: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    const conn = value as { edges?: { node: Record<string, unknown> }[] } | null;
    if (conn && typeof conn === "object" && Array.isArray(conn.edges)) {
      for (const edge of conn.edges)
        children.push(JSON.stringify(flatten(edge.node, node.id as string, children)));
    } else own[key] = value;
  }
  if (parentId) own.__parentId = parentId;
  return own;
}
