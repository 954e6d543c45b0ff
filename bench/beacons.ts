import { randomBytes } from "node:crypto";
import { interactionBatch, type Beacon } from "../core/interaction.ts";

/** The benchmark's behaviour site: its origin and what one beacon carries. */
export const BENCH_SITE = "bench";
export const BENCH_ORIGIN = "https://bench-store.example";
export const CLICKS_PER_BEACON = 10;
/** Rows one beacon becomes in QuestDB: its clicks, the page view and its scroll row. */
export const ROWS_PER_BEACON = CLICKS_PER_BEACON + 2;

/** A fresh page view with CLICKS_PER_BEACON clicks on Add to cart and a scroll report, as the SDK sends. */
export function benchBeacon(now = Date.now()): Beacon {
  return {
    site: BENCH_SITE,
    session: randomBytes(12).toString("hex"),
    view: randomBytes(12).toString("hex"),
    seq: 0,
    path: "/products/mug",
    vw: 1280,
    vh: 800,
    start: now - 5000,
    sent: now,
    events: [
      ...Array.from({ length: CLICKS_PER_BEACON }, (_, i) => ({
        k: "click" as const,
        at: now - 4000 + i,
        x: 100 + i,
        y: 200,
        sel: '[data-md-id="add-to-cart"]',
        nx: 0.25,
        ny: 0.5,
      })),
      { k: "scroll" as const, at: now - 100, depth: 1800, height: 3000 },
    ],
  };
}

/** The canonical batch ingest publishes for a bench beacon: what the raw baseline publishes too. */
export function benchBatchBytes(): Uint8Array {
  const batch = interactionBatch(benchBeacon(), {
    shop: "bench.myshopify.com",
    platform: "shopify",
    visitor: "0123456789abcdef",
    bot: false,
    receivedMs: Date.now(),
    step: "product",
  });
  return new TextEncoder().encode(JSON.stringify(batch));
}
