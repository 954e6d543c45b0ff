import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BigCommerceState, bigCommerceFeed } from "../platforms/bigcommerce/demo/feed.ts";
import { shopifyFeed } from "../platforms/shopify/demo/feed.ts";
import type { DeliveryOptions } from "./deliver.ts";
import { HistoryPlan, replaySilently, type HistoryChunk } from "./history.ts";
import { DemoStore, type Webhook } from "./store.ts";

const HOUR = 3_600_000;
const MINUTE = 60_000;
const START = Date.parse("2026-11-02T05:00:00Z");
const END = START + 12 * HOUR;
const to: DeliveryOptions = { url: "http://127.0.0.1:1/unused", headers: () => ({}) };

/** A Shopify shop and a BigCommerce one (whose feed keeps API state and numbers refunds as it goes). */
function shops() {
  const bc = new BigCommerceState();
  const options = { ordersPerMinute: 1, start: START, viralAt: [START + 3 * HOUR] };
  return [
    new DemoStore({ ...options, seed: 11, shop: "history-test.myshopify.com", feed: shopifyFeed }),
    new DemoStore({
      ...options,
      seed: 12,
      shop: "histbc1",
      currency: "GBP",
      timeZone: "Europe/London",
      feed: bigCommerceFeed({ storeHash: "histbc1", storeId: "1", domain: "bc.example" }, bc),
    }),
  ];
}

// The body's digest stands for the body: thousands of full bodies twice over would not fit a test worker.
const described = (w: Webhook) =>
  `${w.at} ${w.topic} ${w.eventId} ${createHash("sha256").update(w.render()).digest("base64")}`;

function chunksOf(plan: HistoryPlan): HistoryChunk[] {
  const chunks: HistoryChunk[] = [];
  for (let chunk = plan.next(); chunk; chunk = plan.next()) chunks.push(chunk);
  return chunks;
}

describe("the history planned a chunk at a time", () => {
  // The reference: each shop advanced in one go, as the demo did before it streamed.
  const whole = shops().map((store) => store.advance(END));
  const chunked = shops();
  const chunks = chunksOf(
    new HistoryPlan(
      chunked.map((store) => ({ advance: (t: number) => store.advance(t), to })),
      START - 1,
      () => END,
      500,
    ),
  );

  // A happening may give webhooks a moment apart (a refund, then the status a second later), so a
  // pass's list is not strictly in time order; both are compared in time order.
  const inTimeOrder = (list: Webhook[]) =>
    list
      .map(described)
      .sort((a, b) => Number(a.split(" ")[0]) - Number(b.split(" ")[0]) || a.localeCompare(b));

  it("gives each shop exactly the webhooks of one pass, byte for byte", () => {
    for (const [source, reference] of whole.entries()) {
      const streamed = chunks.flatMap((c) =>
        c.items.filter((i) => i.source === source).map((i) => i.webhook),
      );
      expect(reference.length).toBeGreaterThan(500);
      expect(inTimeOrder(streamed)).toEqual(inTimeOrder(reference));
    }
  });

  it("moves forward chunk by chunk, each chunk's webhooks in time order and after the last chunk's end", () => {
    let previous = START - 1;
    for (const chunk of chunks) {
      expect(chunk.until).toBeGreaterThan(previous);
      const times = chunk.items.map((i) => i.webhook.at);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      for (const at of times) expect(at).toBeGreaterThan(previous);
      previous = chunk.until;
    }
    expect(previous).toBe(END);
  });

  it("holds no more than its size plus one minute's webhooks", () => {
    // The busiest simulated minute of the reference, counted here from the one-pass webhooks.
    const perMinute = new Map<number, number>();
    for (const w of whole.flat()) {
      const step = Math.ceil((w.at - (START - 1)) / MINUTE);
      perMinute.set(step, (perMinute.get(step) ?? 0) + 1);
    }
    const busiest = Math.max(...perMinute.values());
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(chunk.items.length).toBeLessThan(500 + busiest);
  });

  it("runs up to the present as it moves: `until` is read for every chunk", () => {
    let now = START + HOUR;
    const plan = new HistoryPlan(
      shops().map((store) => ({ advance: (t: number) => store.advance(t), to })),
      START - 1,
      () => (now += 10 * MINUTE),
      50,
    );
    const ends = chunksOf(plan).map((c) => c.until);
    expect(ends.at(-1)).toBe(now);
    expect(plan.next()).toBeUndefined();
  });
});

describe("replaySilently", () => {
  it("leaves each source where one pass to its own instant would", async () => {
    const [a, b] = shops();
    const [refA, refB] = shops();
    await replaySilently(
      [
        { advance: (t: number) => a!.advance(t), until: START + 5 * HOUR },
        { advance: (t: number) => b!.advance(t), until: START + 7 * HOUR },
      ],
      START,
    );
    refA!.advance(START + 5 * HOUR);
    refB!.advance(START + 7 * HOUR);
    // What comes next is the same: the state (stock, follow-ups, random draws) matched.
    expect(a!.advance(END).map(described)).toEqual(refA!.advance(END).map(described));
    expect(b!.advance(END).map(described)).toEqual(refB!.advance(END).map(described));
  });
});
