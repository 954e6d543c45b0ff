import { z } from "zod";
import type { CanonicalEvent } from "../../core/events.ts";
import { customerKey } from "../../core/identity.ts";
import type { Logger } from "../../core/log.ts";
import type { AdminClient } from "./client.ts";
import {
  BULK_RUN_MUTATION,
  BULK_STATUS_QUERY,
  BulkRun,
  BulkStatus,
  bulkOrdersQuery,
  GqlLineItem,
  GqlOrder,
  INVENTORY_PAGE_QUERY,
  INVENTORY_PAGE_SIZE,
  InventoryPage,
  ORDERS_COUNT_QUERY,
  ORDERS_PAGE_QUERY,
  ORDERS_PAGE_QUERY_NEWEST,
  OrdersCount,
  OrdersPage,
} from "./graphql.ts";
import { allOrderLines } from "./order-lines.ts";
import { readJsonlStream } from "./bulk-jsonl.ts";
import { PLATFORM } from "./index.ts";
import { normaliseGraphqlInventoryLevel, normaliseGraphqlOrder } from "./normalise-graphql.ts";

/**
 * The backfill of one shop: the orders of the last N days, then current inventory levels, published
 * as canonical events on the same JetStream path as webhooks. The checkpoint is saved after every
 * batch JetStream acknowledged, so a crash resumes where it stopped and repeats at most one batch
 * (harmless: JetStream drops a repeated `Nats-Msg-Id`, and QuestDB upserts by the order's key).
 */

export const Checkpoint = z.object({
  shop: z.string(),
  phase: z.enum(["orders", "inventory", "done", "failed", "stopped"]),
  mode: z.enum(["bulk", "paginated"]),
  /** Orders created at or after this instant are backfilled; fixed at install so a resume asks the same. */
  since: z.string(),
  startedAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable().default(null),
  orders: z.object({
    total: z.number().int().nullable().default(null),
    published: z.number().int().default(0),
    /** Paginated: the cursor after the last published page. */
    cursor: z.string().nullable().default(null),
    /** Bulk: the operation, how far Shopify's export got, and how many root objects we published. */
    bulkId: z.string().nullable().default(null),
    exported: z.number().int().default(0),
    /** The newest orders, paged ahead of the bulk export so the dashboard shows today within seconds. */
    previewed: z.number().int().default(0),
    previewDone: z.boolean().default(false),
  }),
  inventory: z.object({
    items: z.number().int().default(0),
    levels: z.number().int().default(0),
    cursor: z.string().nullable().default(null),
  }),
  attempts: z.number().int().default(0),
  error: z.string().nullable().default(null),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

export function newCheckpoint(
  shop: string,
  days: number,
  mode: Checkpoint["mode"],
  now = Date.now(),
): Checkpoint {
  const at = new Date(now).toISOString();
  return Checkpoint.parse({
    shop,
    phase: "orders",
    mode,
    since: new Date(now - days * 86_400_000).toISOString(),
    startedAt: at,
    updatedAt: at,
    orders: {},
    inventory: {},
  });
}

/** 0…1: orders weigh 95 % (a bulk export counts half for Shopify's export, half for our publishing), inventory 5 %. */
export function progressOf(cp: Checkpoint): number {
  if (cp.phase === "done") return 1;
  const total = cp.orders.total;
  let orders = 0;
  if (cp.phase !== "orders") orders = 1;
  else if (total === 0) orders = 1;
  else if (total) {
    orders =
      cp.mode === "bulk"
        ? 0.5 * Math.min(1, cp.orders.exported / total) + 0.5 * Math.min(1, cp.orders.published / total)
        : Math.min(1, cp.orders.published / total);
  }
  return Math.min(0.999, 0.95 * orders);
}

export interface BackfillDeps {
  client: AdminClient;
  publish: (events: CanonicalEvent[]) => Promise<unknown>;
  save: (cp: Checkpoint) => Promise<void>;
  log: Logger;
  customerHashKey: string;
  signal: AbortSignal;
  pageSize: number;
  pollMs: number;
  /** Pages of newest orders published before a bulk export (default 5). */
  previewPages?: number;
  /** How many events go to JetStream per acknowledged batch (and per checkpoint). */
  batchSize?: number;
  fetch?: typeof fetch;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason as Error)), {
      once: true,
    });
  });

/** One run of a shop's history: its checkpoint (changed in place, saved at every step) and its needs. */
interface Run {
  cp: Checkpoint;
  deps: BackfillDeps;
  /** The orders the history covers, as a Shopify search. */
  search: string;
  save(change: (c: Checkpoint) => void): Promise<void>;
}

/**
 * A shop's history, resumable from its checkpoint: the orders (a bulk export, its newest pages
 * first as a preview, or pages under the cost limit when bulk is not possible), then the stock.
 */
export async function runBackfill(start: Checkpoint, deps: BackfillDeps): Promise<Checkpoint> {
  const run = startRun(start, deps);
  const { cp } = run;
  if (cp.phase === "orders" && cp.orders.total === null) await countOrders(run);
  if (cp.phase === "orders" && cp.mode === "bulk" && !cp.orders.previewDone) await previewNewest(run);
  if (cp.phase === "orders" && cp.mode === "bulk") {
    const fellBack = await bulkOrders(run);
    if (fellBack)
      await run.save((c) => ((c.mode = "paginated"), (c.orders.cursor = null), (c.orders.bulkId = null)));
  }
  if (cp.phase === "orders" && cp.mode === "paginated") await paginatedOrders(run);
  if (cp.phase === "inventory") await inventory(run);
  return cp;
}

function startRun(start: Checkpoint, deps: BackfillDeps): Run {
  const cp: Checkpoint = structuredClone(start);
  let lastLog = 0;
  const save = async (change: (c: Checkpoint) => void) => {
    change(cp);
    cp.updatedAt = new Date().toISOString();
    await deps.save(cp);
    if (Date.now() - lastLog > 2000 || cp.phase === "done") {
      lastLog = Date.now();
      logProgress(cp, deps);
    }
  };
  return { cp, deps, search: `created_at:>=${cp.since}`, save };
}

function logProgress(cp: Checkpoint, deps: BackfillDeps): void {
  deps.log.info(
    {
      shop: cp.shop,
      phase: cp.phase,
      mode: cp.mode,
      progress: Math.round(progressOf(cp) * 1000) / 10,
      orders: `${cp.orders.published}/${cp.orders.total ?? "?"}`,
      exported: cp.mode === "bulk" ? cp.orders.exported : undefined,
      inventoryLevels: cp.inventory.levels,
      throttled: deps.client.stats.throttled,
      waitedMs: deps.client.stats.waitedMs,
    },
    "backfill progress",
  );
}

/** How many orders the history covers, for its progress. */
async function countOrders(run: Run): Promise<void> {
  const { ordersCount } = await run.deps.client.request(
    ORDERS_COUNT_QUERY,
    { query: run.search },
    OrdersCount,
  );
  await run.save((c) => (c.orders.total = ordersCount?.count ?? null));
}

const eventBase = (run: Run, eventId: string) => ({
  v: 1 as const,
  platform: PLATFORM,
  shop: run.cp.shop,
  eventId,
  receivedAt: new Date().toISOString(),
});

function orderEvent(run: Run, order: GqlOrder, lines: GqlLineItem[]): CanonicalEvent {
  const canonical = normaliseGraphqlOrder(order, lines, (id) =>
    customerKey(run.deps.customerHashKey, PLATFORM, run.cp.shop, id),
  );
  // Deterministic: a batch repeated after a crash carries the same ids and JetStream drops it.
  return {
    ...eventBase(run, `backfill:order:${canonical.orderId}:${canonical.updatedAt}`),
    type: "order",
    order: canonical,
  };
}

/** Returns true when the export can't be done in bulk (another bulk query runs, or it failed). */
async function bulkOrders(run: Run): Promise<boolean> {
  if (!run.cp.orders.bulkId && !(await startBulk(run))) return true;
  const finished = await awaitBulk(run);
  if (finished === "expired") return bulkOrders(run);
  if (finished === "failed") return true;
  if (finished.url) await publishBulk(run, finished.url);
  // No URL: no orders at all (Shopify completes with no file).
  await run.save((c) => (c.phase = "inventory"));
  return false;
}

/** Asks Shopify for the export; false when it refuses (one bulk query per shop at a time). */
async function startBulk(run: Run): Promise<boolean> {
  const { bulkOperationRunQuery: started } = await run.deps.client.request(
    BULK_RUN_MUTATION,
    { query: bulkOrdersQuery(run.search) },
    BulkRun,
  );
  if (!started.bulkOperation) {
    run.deps.log.warn(
      { shop: run.cp.shop, errors: started.userErrors.map((e) => e.message) },
      "bulk export not possible, paging through orders instead",
    );
    return false;
  }
  const id = started.bulkOperation.id;
  await run.save((c) => (c.orders.bulkId = id));
  return true;
}

/** Polls the export until it ends: its file's URL (null when empty), or why there is none. */
async function awaitBulk(run: Run): Promise<{ url: string | null | undefined } | "expired" | "failed"> {
  const { cp, deps, save } = run;
  for (;;) {
    const { node } = await deps.client.request(BULK_STATUS_QUERY, { id: cp.orders.bulkId }, BulkStatus);
    if (!node) throw new Error(`bulk operation ${cp.orders.bulkId} of ${cp.shop} not found`);
    if (node.rootObjectCount !== cp.orders.exported)
      await save((c) => (c.orders.exported = node.rootObjectCount));
    if (node.status === "COMPLETED") return { url: node.url };
    if (node.status === "EXPIRED") {
      // Results are kept for 7 days; a resume after that starts a fresh export.
      await save((c) => ((c.orders.bulkId = null), (c.orders.exported = 0)));
      return "expired";
    }
    if (["FAILED", "CANCELED", "CANCELING"].includes(node.status)) {
      deps.log.warn(
        { shop: cp.shop, status: node.status, errorCode: node.errorCode },
        "bulk export failed, paging instead",
      );
      return "failed";
    }
    await sleep(deps.pollMs, deps.signal);
  }
}

/** Downloads the export and publishes its orders in batches, resuming after the last one published. */
async function publishBulk(run: Run, url: string): Promise<void> {
  const { cp, deps, save } = run;
  const response = await (deps.fetch ?? fetch)(url, { signal: deps.signal });
  if (!response.ok)
    throw new Error(`bulk result of ${cp.shop} could not be downloaded: HTTP ${response.status}`);
  const { roots, children } = await readJsonlStream(response.body);
  await save((c) => (c.orders.exported = roots.length));
  const batch = deps.batchSize ?? 500;
  for (let i = cp.orders.published; i < roots.length; i += batch) {
    const slice = roots.slice(i, i + batch);
    const events = slice.map((raw) => {
      const order = GqlOrder.parse(raw);
      const lines = (children.get(order.id) ?? []).map((line) => GqlLineItem.parse(line));
      return orderEvent(run, order, lines);
    });
    await deps.publish(events);
    await save((c) => (c.orders.published = i + slice.length));
  }
}

/**
 * A bulk export shows nothing until Shopify finishes it (minutes for a big shop). The newest
 * `previewPages` pages go first, newest first, so today's figures appear at once; the export
 * brings the same orders again later and they land on the same rows.
 */
async function previewNewest(run: Run): Promise<void> {
  const { deps, search, save } = run;
  let cursor: string | null = null;
  for (let page = 0; page < (deps.previewPages ?? 5); page++) {
    const { orders }: z.infer<typeof OrdersPage> = await deps.client.request(
      ORDERS_PAGE_QUERY_NEWEST,
      { first: deps.pageSize, after: cursor, query: search },
      OrdersPage,
    );
    const events = await pageEvents(run, orders.nodes);
    if (events.length) await deps.publish(events);
    await save((c) => (c.orders.previewed += events.length));
    if (!orders.pageInfo.hasNextPage) break;
    cursor = orders.pageInfo.endCursor;
  }
  await save((c) => (c.orders.previewDone = true));
}

async function pageEvents(
  run: Run,
  nodes: z.infer<typeof OrdersPage>["orders"]["nodes"],
): Promise<CanonicalEvent[]> {
  const { deps } = run;
  const events: CanonicalEvent[] = [];
  for (const order of nodes) {
    events.push(orderEvent(run, order, await allOrderLines(deps.client, order)));
  }
  return events;
}

async function paginatedOrders(run: Run): Promise<void> {
  const { cp, deps, search, save } = run;
  for (;;) {
    const { orders } = await deps.client.request(
      ORDERS_PAGE_QUERY,
      { first: deps.pageSize, after: cp.orders.cursor, query: search },
      OrdersPage,
    );
    const events = await pageEvents(run, orders.nodes);
    if (events.length) await deps.publish(events);
    const next = orders.pageInfo.endCursor;
    await save((c) => {
      c.orders.published += events.length;
      if (next) c.orders.cursor = next;
      if (!orders.pageInfo.hasNextPage) c.phase = "inventory";
    });
    if (!orders.pageInfo.hasNextPage) return;
  }
}

async function inventory(run: Run): Promise<void> {
  const { cp, deps, save } = run;
  for (;;) {
    const { inventoryItems } = await deps.client.request(
      INVENTORY_PAGE_QUERY,
      { first: INVENTORY_PAGE_SIZE, after: cp.inventory.cursor },
      InventoryPage,
    );
    const now = new Date().toISOString();
    const events: CanonicalEvent[] = inventoryItems.nodes.flatMap((item) =>
      item.inventoryLevels.nodes.map((level) => {
        const inventoryLevel = normaliseGraphqlInventoryLevel(item, level, now);
        return {
          ...eventBase(
            run,
            `backfill:inventory:${inventoryLevel.inventoryItemId}:${inventoryLevel.locationId}:${inventoryLevel.updatedAt}`,
          ),
          type: "inventory_level" as const,
          inventoryLevel,
        };
      }),
    );
    if (events.length) await deps.publish(events);
    const next = inventoryItems.pageInfo.endCursor;
    await save((c) => {
      c.inventory.items += inventoryItems.nodes.length;
      c.inventory.levels += events.length;
      if (next) c.inventory.cursor = next;
      if (!inventoryItems.pageInfo.hasNextPage) {
        c.phase = "done";
        c.finishedAt = new Date().toISOString();
      }
    });
    if (!inventoryItems.pageInfo.hasNextPage) return;
  }
}
