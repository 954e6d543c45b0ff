import { Random } from "./random.ts";

/**
 * The demo shop's products. Popularity follows a Zipf law (weight 1/rank^s), which is what real
 * catalogues show: a handful of products make most of the units, a long tail sells now and then.
 */

export interface Product {
  rank: number;
  productId: number;
  variantId: number;
  inventoryItemId: number;
  sku: string;
  title: string;
  vendor: string;
  priceCents: number;
  grams: number;
  /** Relative share of demand (sums to 1 over the catalogue). */
  popularity: number;
  /** Units on hand when the simulation starts: about two weeks of expected demand. */
  initialStock: number;
}

const KINDS = [
  ["Organic Cotton Tee", 2400],
  ["Merino Beanie", 3200],
  ["Canvas Tote", 1800],
  ["Ceramic Mug", 1600],
  ["Linen Apron", 3800],
  ["Trail Socks", 1400],
  ["Waxed Cap", 2900],
  ["Bamboo Cutting Board", 4500],
  ["Soy Candle", 2200],
  ["Leather Card Holder", 3500],
  ["Wool Throw", 12900],
  ["Steel Water Bottle", 2700],
  ["Hoodie", 6400],
  ["Notebook Set", 1900],
  ["Enamel Pin", 900],
] as const;
const COLOURS = ["Black", "Sand", "Forest", "Navy", "Rust", "Oat", "Slate", "Clay"];
const VENDORS = ["Northwind Goods", "Harbor & Pine", "Little Fern"];

export const PRODUCT_COUNT = 60;
export const ZIPF_EXPONENT = 1.15;

export function buildCatalogue(seed: number, ordersPerMinute: number, count = PRODUCT_COUNT): Product[] {
  const random = new Random(seed ^ 0x5eed);
  const weights = Array.from({ length: count }, (_, i) => 1 / (i + 1) ** ZIPF_EXPONENT);
  const total = weights.reduce((a, b) => a + b, 0);
  const unitsPerDay = ordersPerMinute * 60 * 24 * 1.5; // ≈ 1.5 units per order
  return weights.map((weight, i) => {
    const [kind, basePrice] = KINDS[i % KINDS.length]!;
    const colour = COLOURS[Math.floor(i / KINDS.length) % COLOURS.length]!;
    const popularity = weight / total;
    // Prices scatter ±30 % around the kind's price and end in .00 or .50 like a shop's list.
    const priceCents = Math.max(500, Math.round((basePrice * (0.7 + 0.6 * random.next())) / 50) * 50);
    return {
      rank: i + 1,
      productId: 8_100_000_000 + i * 7919,
      variantId: 44_000_000_000_000 + i * 104_729,
      inventoryItemId: 46_000_000_000_000 + i * 130_363,
      sku: `${kind
        .split(" ")
        .map((w) => w.slice(0, 3).toUpperCase())
        .join("")}-${colour.slice(0, 3).toUpperCase()}-${String(i + 1).padStart(3, "0")}`,
      title: `${kind} — ${colour}`,
      vendor: VENDORS[i % VENDORS.length]!,
      priceCents,
      grams: 100 + random.int(0, 900),
      popularity,
      initialStock: Math.max(12, Math.round(popularity * unitsPerDay * 14)),
    };
  });
}
