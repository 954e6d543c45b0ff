import { seededRandom } from "../../../core/seeded-random.ts";
import type { LineSpec, OrderSpec } from "../../support/shopify-webhooks.ts";
import { money, orderTotals } from "../../support/shopify-webhooks.ts";

/**
 * The data of one fake shop: orders (as the test support's `OrderSpec`, so webhooks and GraphQL
 * render the same order from one source), a catalogue of variants and inventory levels. Generated
 * from a seed, so a test can recompute every expected figure from the specs without our code.
 */

export interface Variant {
  productId: bigint;
  variantId: bigint;
  inventoryItemId: bigint;
  sku: string;
  priceCents: number;
}

export interface Level {
  inventoryItemId: bigint;
  locationId: bigint;
  available: number;
  updatedAt: string;
}

export interface FakeShopData {
  domain: string;
  name: string;
  currency: string;
  timezone: string;
  orders: OrderSpec[];
  variants: Variant[];
  levels: Level[];
}

export const CUSTOMER_ID = 115310627314723954n;
export const LOCATIONS = [64_100_000_001n, 64_100_000_002n];

export const prng = seededRandom;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export interface GenerateOptions {
  domain: string;
  orders: number;
  /** Orders are spread over this many days before `now`. */
  days?: number;
  now?: number;
  seed?: number;
  currency?: string;
  timezone?: string;
  variants?: number;
}

export function generateShop(options: GenerateOptions): FakeShopData {
  const random = prng(options.seed ?? 42);
  const now = options.now ?? Date.now();
  const days = options.days ?? 60;
  const currency = options.currency ?? "USD";
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;

  const variants: Variant[] = Array.from({ length: options.variants ?? 40 }, (_, i) => ({
    productId: 7_000_000_000n + BigInt(Math.floor(i / 4)),
    variantId: 40_000_000_000n + BigInt(i),
    inventoryItemId: 45_000_000_000n + BigInt(i),
    // Every tenth variant has no SKU: Shopify allows it, and the variant id must stand in.
    sku: i % 10 === 9 ? "" : `SKU-${String(i).padStart(3, "0")}`,
    priceCents: 500 + Math.floor(random() * 200) * 25,
  }));

  // Spread over the window, leaving a margin at both ends so "the last 60 days" is unambiguous.
  const start = now - days * 86_400_000 + 3_600_000;
  const span = now - 60_000 - start;
  const times = Array.from({ length: options.orders }, () => start + Math.floor(random() * span)).sort(
    (a, b) => a - b,
  );

  const orders: OrderSpec[] = times.map((createdMs, i) => {
    const id = 5_100_000_000_000n + BigInt(i);
    const lineCount = 1 + Math.floor(random() * 3);
    const lines: LineSpec[] = Array.from({ length: lineCount }, (_, j) => {
      const variant = pick(variants);
      const quantity = 1 + Math.floor(random() * 3);
      return {
        id: 17_000_000_000_000n + BigInt(i) * 10n + BigInt(j),
        priceCents: variant.priceCents,
        quantity,
        discountCents: random() < 0.2 ? 100 * quantity : 0,
        sku: variant.sku,
        variantId: variant.variantId,
        productId: variant.productId,
      };
    });
    const cancelled = random() < 0.05;
    const updatedMs = cancelled ? Math.min(now - 30_000, createdMs + 3_600_000) : createdMs;
    const spec: OrderSpec = {
      id,
      createdAt: iso(createdMs),
      updatedAt: iso(updatedMs),
      cancelledAt: cancelled ? iso(updatedMs) : null,
      currency,
      lines,
      shippingCents: random() < 0.7 ? 499 : 0,
      taxCents: Math.floor(random() * 900),
      discountCents: random() < 0.1 ? 250 : 0,
      test: random() < 0.01,
      financialStatus: cancelled ? "voided" : pick(["paid", "paid", "paid", "pending", "partially_refunded"]),
      customerId: random() < 0.15 ? null : CUSTOMER_ID + BigInt(Math.floor(random() * 5000)),
    };
    return spec;
  });

  const levels: Level[] = variants.flatMap((variant) =>
    LOCATIONS.map((locationId) => ({
      inventoryItemId: variant.inventoryItemId,
      locationId,
      available: Math.floor(random() * 500) - 20,
      updatedAt: iso(now - Math.floor(random() * 86_400_000)),
    })),
  );

  return {
    domain: options.domain,
    name: options.domain.split(".")[0]!,
    currency,
    timezone: options.timezone ?? "America/New_York",
    orders,
    variants,
    levels,
  };
}

/** What a correct backfill must show, computed from the specs alone (test orders kept, flagged). */
export function expectedTotals(orders: OrderSpec[]) {
  let revenue = 0;
  let lines = 0;
  for (const spec of orders) {
    revenue += orderTotals(spec).total;
    lines += spec.lines.length;
  }
  return { orders: orders.length, revenue, lines };
}

export { money };
