import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hmacSha256Matches } from "../core/signature.ts";
import { shopify } from "../platforms/shopify/index.ts";
import { shopifyFeed, shopifyHeaders } from "../platforms/shopify/demo/feed.ts";
import { parseStates, planRun, serialiseStates } from "./plan.ts";
import { DemoStore, VIRAL_RANK, type Webhook } from "./store.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;
// A Monday 00:00 in New York, so whole weeks line up with weekdays.
const START = Date.parse("2026-11-02T05:00:00Z");
const SHOP = "demo-test.myshopify.com";
const VIRAL_AT = START + 9 * DAY + 14 * HOUR;

function run(
  seed: number,
  days: number,
  viralAt: number[] = [VIRAL_AT],
): { store: DemoStore; webhooks: Webhook[] } {
  const store = new DemoStore({
    seed,
    ordersPerMinute: 1,
    start: START,
    shop: SHOP,
    viralAt,
    feed: shopifyFeed,
  });
  return { store, webhooks: store.advance(START + days * DAY) };
}

/** The fields of the demo's payloads these checks read (orders and inventory levels). */
interface Payload {
  line_items: { sku: string; quantity: number; price: string; total_discount: string }[];
  financial_status: string;
  inventory_item_id: number;
  available: number;
  total_price: string;
  total_tax: string;
  total_shipping_price_set: { shop_money: { amount: string } };
}

// Two weeks, rendered once and shared by the realism checks below.
const { store, webhooks } = run(7, 14);
const bodies = new Map(webhooks.map((w) => [w, JSON.parse(w.render()) as Payload]));
const created = webhooks.filter((w) => w.topic === "orders/create");

/** Local hour and weekday computed here with Intl, independent of the store's rhythm code. */
const newYork = new Intl.DateTimeFormat("en-GB", {
  timeZone: "America/New_York",
  hourCycle: "h23",
  hour: "2-digit",
  weekday: "short",
});
function local(at: number) {
  const parts = newYork.formatToParts(at);
  return {
    hour: Number(parts.find((p) => p.type === "hour")!.value),
    weekday: parts.find((p) => p.type === "weekday")!.value,
  };
}

describe("demo store determinism", () => {
  it("replays the same webhooks, byte for byte, from the same seed and start", () => {
    const a = run(99, 1).webhooks;
    const b = run(99, 1).webhooks;
    expect(a.length).toBeGreaterThan(500);
    expect(b.map((w) => [w.at, w.topic, w.eventId, w.render()])).toEqual(
      a.map((w) => [w.at, w.topic, w.eventId, w.render()]),
    );
  });

  it("renders the Shopify shop exactly as before the simulation was shared with WooCommerce and BigCommerce", () => {
    // Digest of every webhook (time, topic, ids, body) of seed 99's first day, advanced in 6 h steps,
    // recorded from the demo before the feeds were split out (commit 9f310e9).
    const store = new DemoStore({
      seed: 99,
      ordersPerMinute: 1,
      start: START,
      shop: SHOP,
      viralAt: [VIRAL_AT],
      feed: shopifyFeed,
    });
    const digest = createHash("sha256");
    let count = 0;
    for (let t = START; t <= START + DAY; t += 6 * HOUR) {
      for (const w of store.advance(t)) {
        digest.update(`${w.at}|${w.topic}|${w.eventId}|${w.webhookId}|${w.render()}\n`);
        count++;
      }
    }
    expect(count).toBe(9951);
    expect(digest.digest("hex")).toBe("781c9e64854d51b18c194fcf0a818bb3522e3c5bbd025fe18c42d66361db67ed");
  });

  it("gives another store for another seed", () => {
    const a = run(1, 1).webhooks.map((w) => w.eventId);
    const b = new Set(run(2, 1).webhooks.map((w) => w.eventId));
    expect(a.filter((id) => b.has(id)).length).toBe(0);
  });

  it("continues identically when advanced in small steps", () => {
    const whole = run(5, 1).webhooks.map((w) => w.eventId);
    const stepped = new DemoStore({
      seed: 5,
      ordersPerMinute: 1,
      start: START,
      shop: SHOP,
      viralAt: [VIRAL_AT],
      feed: shopifyFeed,
    });
    const ids: string[] = [];
    for (let t = START; t <= START + DAY; t += 7 * 60_000 + 13)
      ids.push(...stepped.advance(t).map((w) => w.eventId));
    ids.push(...stepped.advance(START + DAY).map((w) => w.eventId));
    expect(ids).toEqual(whole);
  });
});

describe("demo store realism", () => {
  it("averages the asked rate of orders (1 per minute over a week, ± 10 %)", () => {
    const perMinute = created.length / (14 * 24 * 60);
    expect(perMinute).toBeGreaterThan(0.9);
    expect(perMinute).toBeLessThan(1.25); // the viral day adds its own orders on top
  });

  it("follows a daily rhythm: evenings far busier than the small hours, in store-local time", () => {
    const byHour = new Array<number>(24).fill(0);
    for (const w of created) byHour[local(w.at).hour]!++;
    const evening = byHour[19]! + byHour[20]! + byHour[21]!;
    const night = byHour[2]! + byHour[3]! + byHour[4]!;
    expect(evening).toBeGreaterThan(8 * night);
    expect(byHour[12]!).toBeGreaterThan(byHour[9]!); // the lunch bump
  });

  it("follows a weekly rhythm: Sundays busier than Fridays", () => {
    const count = (day: string) =>
      created.filter((w) => local(w.at).weekday === day && Math.abs(w.at - VIRAL_AT) > DAY).length;
    expect(count("Sun")).toBeGreaterThan(1.2 * count("Fri"));
  });

  it("sells most units from a few products (top 20 % of products ≥ 60 % of units)", () => {
    const units = new Map<string, number>();
    for (const w of created) {
      if (w.at >= VIRAL_AT && w.at < VIRAL_AT + DAY) continue;
      for (const line of bodies.get(w)!.line_items)
        units.set(line.sku, (units.get(line.sku) ?? 0) + line.quantity);
    }
    const sorted = [...units.values()].sort((a, b) => b - a);
    const total = sorted.reduce((a, b) => a + b, 0);
    const top = sorted.slice(0, Math.ceil(store.catalogue.length * 0.2)).reduce((a, b) => a + b, 0);
    expect(top / total).toBeGreaterThan(0.6);
    expect(units.size).toBeGreaterThan(store.catalogue.length * 0.8); // the long tail still sells
  });

  it("makes one product go viral: its hourly units jump at least tenfold", () => {
    const sku = store.catalogue[VIRAL_RANK - 1]!.sku;
    const unitsBetween = (from: number, to: number) =>
      created
        .filter((w) => w.at >= from && w.at < to)
        .flatMap((w) => bodies.get(w)!.line_items)
        .filter((l) => l.sku === sku)
        .reduce((a, l) => a + l.quantity, 0);
    const before = unitsBetween(START, VIRAL_AT - DAY) / ((VIRAL_AT - DAY - START) / HOUR);
    const during = unitsBetween(VIRAL_AT + HOUR, VIRAL_AT + 3 * HOUR) / 2;
    expect(during).toBeGreaterThan(10 * before);
  });

  it("runs stock down with sales and restocks it; stock never goes below zero", () => {
    const levels = new Map<string, number[]>();
    for (const w of webhooks) {
      if (w.topic !== "inventory_levels/update") continue;
      const body = bodies.get(w)!;
      levels.set(String(body.inventory_item_id), [
        ...(levels.get(String(body.inventory_item_id)) ?? []),
        body.available,
      ]);
    }
    const all = [...levels.values()].flat();
    expect(Math.min(...all)).toBeGreaterThanOrEqual(0);
    const viral = levels.get(String(store.catalogue[VIRAL_RANK - 1]!.inventoryItemId))!;
    const restocks = viral.filter((v, i) => i > 0 && v - viral[i - 1]! > 5).length;
    expect(restocks).toBeGreaterThan(0);
    expect(Math.min(...viral)).toBeLessThan(store.catalogue[VIRAL_RANK - 1]!.initialStock * 0.2);
  });

  it("has refunds, cancellations, late payments and checkouts that don't convert", () => {
    const count = (topic: string) => webhooks.filter((w) => w.topic === topic).length;
    const conversion = created.length / count("checkouts/create");
    expect(conversion).toBeGreaterThan(0.25);
    expect(conversion).toBeLessThan(0.4);
    expect(count("refunds/create") / created.length).toBeGreaterThan(0.02);
    expect(count("orders/cancelled") / created.length).toBeGreaterThan(0.01);
    expect(count("orders/paid")).toBeGreaterThan(created.length * 0.85);
    const pending = created.filter((w) => bodies.get(w)!.financial_status === "pending").length;
    expect(pending / created.length).toBeGreaterThan(0.05);
  });

  it("posts payloads the real Shopify adapter accepts, signed so that ingest's check passes", () => {
    const secret = "demo-test-secret-0123456789";
    const adapter = shopify.create({ SHOPIFY_API_SECRET: secret }, { customerHashKey: "k".repeat(32) });
    const sample = webhooks.filter((w, i) => w.topic !== "checkouts/create" || i % 50 === 0).slice(0, 3000);
    for (const w of sample) {
      const body = w.render();
      const headers = shopifyHeaders(secret, SHOP, w, body);
      const delivery = {
        header: (n: string) => headers[n],
        rawBody: Buffer.from(body),
        receivedAt: new Date().toISOString(),
      };
      expect(hmacSha256Matches(secret, delivery.rawBody, headers["x-shopify-hmac-sha256"], "base64")).toBe(
        true,
      );
      expect(adapter.verify(delivery)).toBe(true);
      const result = adapter.handle(delivery);
      if (w.topic === "checkouts/create") continue; // not consumed yet: ingest answers 200 and ignores it
      expect(result.kind).toBe("publish");
    }
    // Totals by hand from the payload's own lines: Σ(price × qty − discount) + tax + shipping.
    const order = bodies.get(created[0]!)!;
    const cents = (s: string) => Math.round(Number(s) * 100);
    const lines = order.line_items.reduce(
      (a, l) => a + cents(l.price) * l.quantity - cents(l.total_discount),
      0,
    );
    expect(cents(order.total_price)).toBe(
      lines + cents(order.total_tax) + cents(order.total_shipping_price_set.shop_money.amount),
    );
  });

  it("posts order payloads of a real store's size (several KB)", () => {
    const sizes = created.slice(0, 500).map((w) => w.render().length);
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    expect(mean).toBeGreaterThan(7000);
    expect(mean).toBeLessThan(14_000);
  });
});

describe("restarts", () => {
  const wanted = { seed: 1, shop: SHOP, ordersPerMinute: 1, timeZone: "America/New_York" };
  const now = START + 10 * DAY;

  it("sends a week of history on the first run", () => {
    expect(planRun(undefined, wanted, 7, now)).toMatchObject({
      start: now - 7 * DAY,
      sendFrom: now - 7 * DAY,
    });
  });

  it("replays the same store and fills only the gap after a restart", () => {
    const previous = { ...wanted, start: now - 7 * DAY, viralAt: [now - 3 * DAY], sentUntil: now - HOUR };
    expect(planRun(previous, wanted, 7, now)).toEqual({
      start: previous.start,
      viralAt: previous.viralAt,
      sendFrom: now - HOUR,
    });
  });

  it("reads a state file from before the other platforms as the Shopify shop's, and writes one per platform", () => {
    const legacy = { ...wanted, start: now - 7 * DAY, viralAt: [now - 3 * DAY], sentUntil: now - HOUR };
    expect(parseStates(legacy)).toEqual({ shopify: legacy });
    const both = { shopify: legacy, bigcommerce: { ...legacy, seed: 9, shop: "demobc1" } };
    expect(parseStates(JSON.parse(serialiseStates(both)))).toEqual(both);
    expect(parseStates(null)).toEqual({});
  });

  it("starts a new store after what was sent when the settings changed", () => {
    const previous = { ...wanted, start: now - 7 * DAY, viralAt: [], sentUntil: now - HOUR };
    const plan = planRun(previous, { ...wanted, seed: 2 }, 7, now);
    expect(plan.start).toBe(now - HOUR);
    expect(plan.sendFrom).toBe(now - HOUR);
  });
});
