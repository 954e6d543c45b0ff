import {
  buildSchema,
  getArgumentValues,
  getNamedType,
  GraphQLObjectType,
  isLeafType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { OrderSpec } from "../../support/shopify-webhooks.ts";
import { money, orderTotals } from "../../support/shopify-webhooks.ts";

/**
 * The slice of Shopify's Admin GraphQL schema the connect flow touches, with the documented cost
 * rules: scalars and enums 0, objects 1, connections 2 + (first or last) × the cost of one node,
 * mutations 10. Personal fields exist on Customer (as on Shopify) so a query that asked for them
 * would get them: the tests prove ours never do.
 */
export const SDL = `
scalar DateTime
scalar Decimal
scalar UnsignedInt64
scalar URL

interface Node { id: ID! }

type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }

type MoneyV2 { amount: Decimal! currencyCode: String! }
type MoneyBag { shopMoney: MoneyV2! presentmentMoney: MoneyV2! }

type Customer implements Node { id: ID! firstName: String lastName: String email: String phone: String }
type Product implements Node { id: ID! title: String! }
type ProductVariant implements Node { id: ID! sku: String title: String! }
type Location implements Node { id: ID! name: String! }

type LineItem implements Node {
  id: ID!
  sku: String
  name: String!
  quantity: Int!
  currentQuantity: Int!
  originalUnitPriceSet: MoneyBag!
  totalDiscountSet: MoneyBag!
  variant: ProductVariant
  product: Product
}
type LineItemEdge { cursor: String! node: LineItem! }
type LineItemConnection { edges: [LineItemEdge!]! nodes: [LineItem!]! pageInfo: PageInfo! }

enum OrderDisplayFinancialStatus { AUTHORIZED EXPIRED PAID PARTIALLY_PAID PARTIALLY_REFUNDED PENDING REFUNDED VOIDED }
enum OrderSortKeys { CREATED_AT UPDATED_AT ID PROCESSED_AT }

type Order implements Node {
  id: ID!
  name: String!
  email: String
  createdAt: DateTime!
  updatedAt: DateTime!
  processedAt: DateTime!
  cancelledAt: DateTime
  displayFinancialStatus: OrderDisplayFinancialStatus
  test: Boolean!
  currencyCode: String!
  totalPriceSet: MoneyBag!
  subtotalPriceSet: MoneyBag
  totalTaxSet: MoneyBag
  totalDiscountsSet: MoneyBag
  totalShippingPriceSet: MoneyBag!
  customer: Customer
  lineItems(first: Int, after: String, last: Int, before: String): LineItemConnection!
}
type OrderEdge { cursor: String! node: Order! }
type OrderConnection { edges: [OrderEdge!]! nodes: [Order!]! pageInfo: PageInfo! }

enum CountPrecision { EXACT AT_LEAST }
type Count { count: Int! precision: CountPrecision! }

type InventoryQuantity { name: String! quantity: Int! }
type InventoryLevel implements Node {
  id: ID!
  updatedAt: DateTime!
  location: Location!
  quantities(names: [String!]!): [InventoryQuantity!]!
}
type InventoryLevelEdge { cursor: String! node: InventoryLevel! }
type InventoryLevelConnection { edges: [InventoryLevelEdge!]! nodes: [InventoryLevel!]! pageInfo: PageInfo! }
type InventoryItem implements Node {
  id: ID!
  sku: String
  inventoryLevels(first: Int, after: String, last: Int, before: String): InventoryLevelConnection!
}
type InventoryItemEdge { cursor: String! node: InventoryItem! }
type InventoryItemConnection { edges: [InventoryItemEdge!]! nodes: [InventoryItem!]! pageInfo: PageInfo! }

type Shop { name: String! currencyCode: String! ianaTimezone: String! myshopifyDomain: String! email: String! }

enum BulkOperationStatus { CANCELED CANCELING COMPLETED CREATED EXPIRED FAILED RUNNING }
enum BulkOperationType { QUERY MUTATION }
enum BulkOperationErrorCode { ACCESS_DENIED INTERNAL_SERVER_ERROR TIMEOUT }
type BulkOperation implements Node {
  id: ID!
  status: BulkOperationStatus!
  errorCode: BulkOperationErrorCode
  objectCount: UnsignedInt64!
  rootObjectCount: UnsignedInt64!
  fileSize: UnsignedInt64
  url: URL
  partialDataUrl: URL
  query: String!
  type: BulkOperationType!
  createdAt: DateTime!
  completedAt: DateTime
}
type BulkOperationUserError { field: [String!] message: String! code: String }
type BulkOperationRunQueryPayload { bulkOperation: BulkOperation userErrors: [BulkOperationUserError!]! }

enum WebhookSubscriptionTopic {
  APP_UNINSTALLED ORDERS_CREATE ORDERS_UPDATED ORDERS_PAID ORDERS_CANCELLED REFUNDS_CREATE
  INVENTORY_LEVELS_UPDATE PRODUCTS_CREATE PRODUCTS_UPDATE
}
enum WebhookSubscriptionFormat { JSON XML }
input WebhookSubscriptionInput { uri: String callbackUrl: URL format: WebhookSubscriptionFormat }
type WebhookSubscription implements Node { id: ID! topic: WebhookSubscriptionTopic! uri: String! format: WebhookSubscriptionFormat! }
type WebhookSubscriptionEdge { cursor: String! node: WebhookSubscription! }
type WebhookSubscriptionConnection { edges: [WebhookSubscriptionEdge!]! nodes: [WebhookSubscription!]! pageInfo: PageInfo! }
type UserError { field: [String!] message: String! }
type WebhookSubscriptionCreatePayload { webhookSubscription: WebhookSubscription userErrors: [UserError!]! }
type WebhookSubscriptionDeletePayload { deletedWebhookSubscriptionId: ID userErrors: [UserError!]! }

type Query {
  shop: Shop!
  order(id: ID!): Order
  orders(first: Int, after: String, last: Int, before: String, query: String, sortKey: OrderSortKeys, reverse: Boolean): OrderConnection!
  ordersCount(query: String, limit: Int = 10000): Count
  inventoryItems(first: Int, after: String, last: Int, before: String, query: String): InventoryItemConnection!
  node(id: ID!): Node
  currentBulkOperation(type: BulkOperationType = QUERY): BulkOperation
  webhookSubscriptions(first: Int, after: String, last: Int, before: String): WebhookSubscriptionConnection!
}

type Mutation {
  bulkOperationRunQuery(query: String!, groupObjects: Boolean = false): BulkOperationRunQueryPayload
  webhookSubscriptionCreate(topic: WebhookSubscriptionTopic!, webhookSubscription: WebhookSubscriptionInput!): WebhookSubscriptionCreatePayload
  webhookSubscriptionDelete(id: ID!): WebhookSubscriptionDeletePayload
}
`;

export const schema = buildSchema(SDL);

export const gid = (type: string, id: bigint | number | string) => `gid://shopify/${type}/${id}`;

// ── connections ───────────────────────────────────────────────────────────────────────────────

export interface Page {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export class UserFacingError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
}

const cursorOf = (index: number) => Buffer.from(`cursor:${index}`).toString("base64url");
const indexOf = (cursor: string) => {
  const match = /^cursor:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match) throw new UserFacingError(`Invalid cursor for current pagination: ${cursor}`, "BAD_REQUEST");
  return Number(match[1]);
};

/** Shopify's connection rules: `first` or `last` required (bulk queries excepted), at most 250. */
export function connection<T>(items: T[], page: Page, bulk: boolean) {
  let start = page.after ? indexOf(page.after) + 1 : 0;
  let end = page.before ? indexOf(page.before) : items.length;
  if (!bulk) {
    if (page.first == null && page.last == null)
      throw new UserFacingError("you must provide one of first or last", "BAD_REQUEST");
    const size = (page.first ?? page.last)!;
    if (size > 250 || size < 0)
      throw new UserFacingError("The maximum page size is 250 and it must be positive", "BAD_REQUEST");
    if (page.first != null) end = Math.min(end, start + page.first);
    else start = Math.max(start, end - page.last!);
  }
  const slice = items.slice(start, end);
  return {
    edges: slice.map((node, i) => ({ cursor: cursorOf(start + i), node })),
    nodes: slice,
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: slice.length ? cursorOf(start) : null,
      endCursor: slice.length ? cursorOf(start + slice.length - 1) : null,
    },
  };
}

// ── rendering the shop's data ───────────────────────────────────────────────────────────────

const bag = (cents: number, currency: string) => {
  const m = { amount: money(cents, currency), currencyCode: currency };
  return { shopMoney: m, presentmentMoney: m };
};

const utc = (instant: string) => new Date(instant).toISOString().replace(/\.000Z$/, "Z");

/**
 * One order as the GraphQL Admin API answers it, derived from the same spec (and the same defaults)
 * as the REST webhook payload of `test/support/shopify-webhooks.ts`.
 */
export function graphqlOrder(spec: OrderSpec, bulk: boolean) {
  const currency = spec.currency ?? "USD";
  const { subtotal, total } = orderTotals(spec);
  const customerId = spec.customerId === undefined ? 115310627314723954n : spec.customerId;
  const lines = spec.lines.map((line) => ({
    id: gid("LineItem", line.id),
    sku: line.sku === undefined ? `SKU-${line.id}` : line.sku,
    name: "IPod Nano - 8gb",
    quantity: line.quantity,
    currentQuantity: line.quantity,
    originalUnitPriceSet: bag(line.priceCents, currency),
    totalDiscountSet: bag(line.discountCents ?? 0, currency),
    variant: line.variantId === null ? null : { id: gid("ProductVariant", line.variantId ?? 808950810n) },
    product: line.productId === null ? null : { id: gid("Product", line.productId ?? 632910392n) },
  }));
  return {
    id: gid("Order", spec.id),
    name: `#${1000 + Number(spec.id % 100000n)}`,
    email: "jane.doe.pii@example.com",
    createdAt: utc(spec.createdAt),
    updatedAt: utc(spec.updatedAt ?? spec.createdAt),
    processedAt: utc(spec.createdAt),
    cancelledAt: spec.cancelledAt ? utc(spec.cancelledAt) : null,
    displayFinancialStatus: (spec.financialStatus ?? "paid").toUpperCase(),
    test: spec.test ?? false,
    currencyCode: currency,
    totalPriceSet: bag(total, currency),
    subtotalPriceSet: bag(subtotal, currency),
    totalTaxSet: bag(spec.taxCents ?? 0, currency),
    totalDiscountsSet: bag(
      (spec.discountCents ?? 0) + spec.lines.reduce((a, l) => a + (l.discountCents ?? 0), 0),
      currency,
    ),
    totalShippingPriceSet: bag(spec.shippingCents ?? 0, currency),
    customer:
      customerId === null
        ? null
        : { id: gid("Customer", customerId), firstName: "Jane", lastName: "Doe", email: "jane@example.com" },
    lineItems: (page: Page) => connection(lines, page, bulk),
  };
}

// ── query cost ─────────────────────────────────────────────────────────────────────────────

interface CostContext {
  variables: Record<string, unknown>;
  fragments: Record<string, FragmentDefinitionNode>;
}

type NodeSelection = { set: SelectionSetNode | undefined; path: "nodes" | "edges" };

const isConnection = (type: GraphQLNamedType) => type.name.endsWith("Connection");

/**
 * Requested cost (static, from `first`/`last`) when `data` is undefined; actual cost (from the
 * objects really returned) when it is the result of that selection.
 */
function selectionCost(
  parent: GraphQLObjectType | GraphQLNamedType,
  selectionSet: SelectionSetNode | undefined,
  ctx: CostContext,
  data?: unknown,
): number {
  if (!selectionSet) return 0;
  const actual = data !== undefined;
  if (actual && (data === null || typeof data !== "object")) return 0;
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT || selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment =
        selection.kind === Kind.FRAGMENT_SPREAD ? ctx.fragments[selection.name.value] : selection;
      const typeName = fragment?.typeCondition?.name.value;
      const type = typeName ? schema.getType(typeName) : parent;
      if (fragment && type) cost += selectionCost(type, fragment.selectionSet, ctx, data);
      continue;
    }
    const name = selection.name.value;
    if (name.startsWith("__") || !(parent instanceof GraphQLObjectType)) continue;
    const field = parent.getFields()[name] as GraphQLField<unknown, unknown> | undefined;
    if (!field) continue;
    const type = getNamedType(field.type);
    if (isLeafType(type)) continue;
    const key = selection.alias?.value ?? name;
    const value = actual ? (data as Record<string, unknown>)[key] : undefined;
    if (isConnection(type) && type instanceof GraphQLObjectType) {
      const nodeType = getNamedType(type.getFields().nodes!.type);
      const nodeSelections = (selection.selectionSet?.selections ?? []).flatMap((s): NodeSelection[] => {
        if (s.kind !== Kind.FIELD) return [];
        if (s.name.value === "nodes") return [{ set: s.selectionSet, path: "nodes" }];
        if (s.name.value === "edges") {
          const node = s.selectionSet?.selections.find(
            (e) => e.kind === Kind.FIELD && e.name.value === "node",
          );
          return node && node.kind === Kind.FIELD ? [{ set: node.selectionSet, path: "edges" }] : [];
        }
        return [];
      });
      if (!actual) {
        const args = getArgumentValues(field, selection, ctx.variables);
        const n = Number(args.first ?? args.last ?? 0);
        const per = nodeSelections.reduce((sum, s) => sum + 1 + selectionCost(nodeType, s.set, ctx), 0);
        cost += 2 + n * Math.max(per, nodeSelections.length ? 0 : 1);
      } else {
        cost += 2;
        const conn = value as { nodes?: unknown[]; edges?: { node: unknown }[] } | null;
        for (const s of nodeSelections) {
          const items = s.path === "nodes" ? (conn?.nodes ?? []) : (conn?.edges ?? []).map((e) => e.node);
          for (const item of items) cost += 1 + selectionCost(nodeType, s.set, ctx, item);
        }
      }
      continue;
    }
    if (actual) {
      if (value === null || value === undefined) continue;
      const values = Array.isArray(value) ? value : [value];
      for (const v of values) cost += 1 + selectionCost(type, selection.selectionSet, ctx, v);
    } else {
      cost += 1 + selectionCost(type, selection.selectionSet, ctx);
    }
  }
  return cost;
}

export function queryCost(
  document: DocumentNode,
  variables: Record<string, unknown>,
  data?: Record<string, unknown> | null,
): number {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  let operation: OperationDefinitionNode | undefined;
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
    if (def.kind === Kind.OPERATION_DEFINITION) operation ??= def;
  }
  if (!operation) return 0;
  if (operation.operation === "mutation") return 10 * operation.selectionSet.selections.length;
  const ctx = { variables, fragments };
  return selectionCost(
    schema.getQueryType()!,
    operation.selectionSet,
    ctx,
    data === undefined ? undefined : (data ?? {}),
  );
}
