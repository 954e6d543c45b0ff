import { randomBytes } from "node:crypto";
import type { Beacon } from "../core/interaction.ts";
import type { Random } from "./random.ts";
import { selectorOf, STOREFRONT_PRODUCTS, STOREFRONT_SITE } from "./storefront-pages.ts";

/**
 * Simulated visitors of the demo storefront, as beacons exactly as the SDK would post them: a page
 * view's first (empty) beacon when it opens, and on leaving one with its clicks, its deepest scroll
 * and a `leave` (time on page). Visits follow the shape real shops see: most land on a product
 * page; people press "Add to cart" near its middle; scroll depth tails off down the page; about
 * one in fifteen rage-clicks the broken "Size guide" button; those who added mostly open the cart.
 */

export interface PlannedBeacon {
  /** When to post it (ms since the epoch). */
  at: number;
  beacon: Beacon;
  userAgent: string;
}

const USER_AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
];
/** A crawler now and then: flagged by ingest and left out of the panels. */
const CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

export interface Device {
  vw: number;
  vh: number;
  /** Page heights by kind on this width. */
  height: { product: number; cart: number; home: number };
  /** Element boxes in page pixels (left, top, width, height) on this width. */
  boxes: Record<string, [number, number, number, number]>;
}

const NAV: Device["boxes"] = {
  "nav-home": [32, 16, 113, 24],
  "nav-shop": [169, 16, 40, 24],
  "nav-cart": [234, 16, 34, 24],
};
// Measured on the pages in Chromium (storefront.test.ts checks every click lands on its element).
const DESKTOP: Device = {
  vw: 1280,
  vh: 800,
  height: { product: 2575, cart: 800, home: 1195 },
  boxes: {
    ...NAV,
    "gallery-image": [120, 88, 500, 480],
    "add-to-cart": [660, 235, 500, 54],
    "size-guide": [660, 305, 125, 54],
    "reviews-more": [120, 1461, 148, 54],
    "remove-item": [346, 196, 107, 54],
    checkout: [120, 282, 1040, 54],
    "continue-shopping": [120, 354, 150, 19],
  },
};
const PHONE: Device = {
  vw: 390,
  vh: 844,
  height: { product: 4231, cart: 844, home: 2083 },
  boxes: {
    ...NAV,
    "gallery-image": [32, 88, 326, 320],
    "add-to-cart": [32, 595, 326, 54],
    "size-guide": [32, 665, 125, 54],
    "reviews-more": [32, 2085, 148, 54],
    "remove-item": [32, 220, 107, 54],
    checkout: [32, 306, 326, 54],
    "continue-shopping": [32, 378, 150, 19],
  },
};

/** The two screens visitors come with, for the test that holds the boxes to the real layout. */
export const DEVICES = { desktop: DESKTOP, phone: PHONE };

type Kind = keyof Device["height"];
type Click = Extract<Beacon["events"][number], { k: "click" }>;

const hex = () => randomBytes(12).toString("hex");
const clamp = (n: number) => Math.min(1, Math.max(0, n));
const round = (n: number) => Math.round(n * 1000) / 1000;

/** Normal with this mean and spread (Box–Muller): where in a box people press. */
function normal(random: Random, mean: number, sd: number): number {
  const u = Math.max(random.next(), 1e-9);
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

function click(device: Device, id: string, at: number, nx: number, ny: number): Click {
  const [left, top, width, height] = device.boxes[id]!;
  const [cx, cy] = [clamp(nx), clamp(ny)];
  return {
    k: "click",
    at,
    x: Math.round(left + cx * width),
    y: Math.round(top + cy * height),
    sel: selectorOf(id),
    nx: round(cx),
    ny: round(cy),
  };
}

/** A press near the middle of a button, as people aim. */
const aimed = (random: Random, device: Device, id: string, at: number) =>
  click(device, id, at, normal(random, 0.5, 0.14), normal(random, 0.5, 0.18));

/** Three or four presses within a second on the same spot of the broken button: rage, and dead. */
function rage(random: Random, device: Device, at: number): Click[] {
  const first = aimed(random, device, "size-guide", at);
  return Array.from({ length: random.int(3, 4) }, (_, i) => ({
    ...first,
    at: at + i * random.int(150, 250),
    x: first.x + random.int(-3, 3),
    dead: 1 as const,
    ...(i >= 2 ? { rage: 1 as const } : {}),
  }));
}

/** How far down a page a visitor gets: the first screen always, then fewer the further down. */
function depthOf(random: Random, device: Device, kind: Kind): number {
  const height = device.height[kind];
  const firstScreen = Math.min(1, device.vh / height);
  return Math.round(height * (firstScreen + (1 - firstScreen) * random.next() ** 1.7));
}

interface View {
  kind: Kind;
  path: string;
  clicks: (start: number) => Click[];
  /** Where the visitor goes next, if anywhere. */
  next: Kind | undefined;
}

function productView(random: Random, device: Device): View {
  const product = random.pick(STOREFRONT_PRODUCTS);
  const adds = random.chance(0.4);
  const twice = adds && random.chance(0.2); // a second one for two of it
  const rages = random.chance(0.07);
  const clicks = (start: number): Click[] => [
    ...(random.chance(0.3) ? [aimed(random, device, "gallery-image", start + random.int(2000, 6000))] : []),
    ...(rages ? rage(random, device, start + random.int(6000, 9000)) : []),
    ...(adds ? [aimed(random, device, "add-to-cart", start + random.int(10_000, 15_000))] : []),
    ...(twice ? [aimed(random, device, "add-to-cart", start + random.int(16_000, 20_000))] : []),
    ...(random.chance(0.12)
      ? [aimed(random, device, "reviews-more", start + random.int(21_000, 25_000))]
      : []),
  ];
  return {
    kind: "product",
    path: `/products/${product.handle}`,
    clicks,
    next: adds && random.chance(0.85) ? "cart" : random.chance(0.25) ? "product" : undefined,
  };
}

function otherView(random: Random, device: Device, kind: "home" | "cart"): View {
  if (kind === "home")
    return { kind, path: "/", clicks: () => [], next: random.chance(0.6) ? "product" : undefined };
  const checksOut = random.chance(0.55);
  const id = checksOut ? "checkout" : random.pick(["continue-shopping", "remove-item"]);
  return {
    kind,
    path: "/cart",
    clicks: (start) => [aimed(random, device, id, start + random.int(3000, 8000))],
    next: undefined,
  };
}

const viewOf = (random: Random, device: Device, kind: Kind): View =>
  kind === "product" ? productView(random, device) : otherView(random, device, kind);

/** One visitor's page views from `startMs`, as the beacons the SDK would post and when. */
export function planVisit(random: Random, startMs: number): PlannedBeacon[] {
  const device = random.chance(0.55) ? PHONE : DESKTOP;
  const userAgent = random.chance(0.04) ? CRAWLER : random.pick(USER_AGENTS);
  const session = hex();
  const planned: PlannedBeacon[] = [];
  let kind: Kind | undefined = random.chance(0.65) ? "product" : "home";
  let start = startMs;
  for (let pages = 0; kind && pages < 5; pages++) {
    const view = viewOf(random, device, kind);
    const clicks = view.clicks(start);
    const stay = Math.max(random.int(6000, 40_000), ...clicks.map((c) => c.at - start + 1500));
    const depth = depthOf(random, device, view.kind);
    const height = device.height[view.kind];
    const base = {
      site: STOREFRONT_SITE,
      session,
      view: hex(),
      path: view.path,
      vw: device.vw,
      vh: device.vh,
      start,
    };
    const end = start + stay;
    planned.push({ at: start, userAgent, beacon: { ...base, seq: 0, sent: start, events: [] } });
    planned.push({
      at: end,
      userAgent,
      beacon: {
        ...base,
        seq: 1,
        sent: end,
        events: [
          ...clicks,
          { k: "scroll", at: end - 500, depth, height },
          { k: "leave", at: end, dur: stay, depth, height },
        ],
      },
    });
    start = end + random.int(300, 1500);
    kind = view.next;
  }
  return planned;
}
