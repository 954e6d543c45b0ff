import { z } from "zod";
import { keyPartition, type Partition } from "./partitions.ts";

/**
 * Behaviour events from the browser SDK (sdk/). Two shapes: the `Beacon` a page posts to
 * `POST /collect` (compact, the browser's clock, bounded in every field), and the canonical
 * `InteractionBatch` ingest publishes to the BEHAVIOUR stream (server-corrected instants, the
 * site's shop and platform, a visitor hash that rotates daily). Neither carries text, input values
 * or an IP address.
 */

export const INTERACTION_VERSION = 1;

/** A site id becomes a NATS subject token and a QuestDB symbol: short and plain. */
export const SiteId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1–64 letters, digits, _ or -");
const randomId = z.string().regex(/^[0-9a-f]{24}$/, "must be 24 hex digits");
const clientMs = z.number().int().min(0).max(8.64e15);
const pixels = z.number().int().min(0).max(1_000_000);
const unit = z.number().min(0).max(1);
const MAX_EVENTS = 200;

const BeaconEvent = z.discriminatedUnion("k", [
  z.object({
    k: z.literal("click"),
    at: clientMs,
    x: pixels,
    y: pixels,
    sel: z.string().min(1).max(300),
    nx: unit,
    ny: unit,
    rage: z.literal(1).optional(),
    dead: z.literal(1).optional(),
  }),
  z.object({ k: z.literal("scroll"), at: clientMs, depth: pixels, height: pixels }),
  z.object({
    k: z.literal("leave"),
    at: clientMs,
    dur: z.number().int().min(0).max(86_400_000),
    depth: pixels,
    height: pixels,
  }),
]);

export const Beacon = z.object({
  site: SiteId,
  session: randomId,
  view: randomId,
  seq: z.number().int().min(0).max(100_000),
  path: z.string().startsWith("/").max(600),
  vw: z.number().int().min(0).max(20_000),
  vh: z.number().int().min(0).max(20_000),
  start: clientMs,
  sent: clientMs,
  events: z.array(BeaconEvent).max(MAX_EVENTS),
});
export type Beacon = z.infer<typeof Beacon>;

const instant = z.iso.datetime({ offset: true });

export const Interaction = z.discriminatedUnion("k", [
  z.object({
    k: z.literal("click"),
    at: instant,
    x: pixels,
    y: pixels,
    selector: z.string().min(1).max(300),
    nx: unit,
    ny: unit,
    rage: z.boolean(),
    dead: z.boolean(),
  }),
  z.object({ k: z.literal("scroll"), at: instant, depth: pixels, height: pixels }),
  z.object({
    k: z.literal("leave"),
    at: instant,
    durationMs: z.number().int().min(0),
    depth: pixels,
    height: pixels,
  }),
]);
export type Interaction = z.infer<typeof Interaction>;

/** Funnel steps a page view can be (ingest/behaviour/funnel.ts); orders come from order events. */
export const FUNNEL_STEPS = ["product", "cart", "checkout"] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

export const InteractionBatch = z.object({
  v: z.literal(INTERACTION_VERSION),
  type: z.literal("interaction"),
  site: SiteId,
  shop: z.string().min(1).max(255),
  platform: z.string().min(1).max(32),
  session: randomId,
  view: randomId,
  seq: z.number().int().min(0),
  path: z.string().max(600),
  /** The page's funnel step by the site's URL patterns; absent on other pages (and older batches). */
  step: z.enum(FUNNEL_STEPS).optional(),
  viewport: z.object({ w: z.number().int(), h: z.number().int() }),
  /** When the page view began; with `view` it keys the page view's rows, so it must not drift between batches. */
  start: instant,
  receivedAt: instant,
  /** A keyed hash of (site, client address, user agent) under a salt that lives one UTC day, in memory. */
  visitor: z.string().regex(/^[0-9a-f]{16}$/),
  /** A known crawler or monitor: kept, and left out of dashboards by default. */
  bot: z.boolean(),
  events: z.array(Interaction),
});
export type InteractionBatch = z.infer<typeof InteractionBatch>;

/** Heatmaps cut each element's box into GRID × GRID cells (processors write cells, the overlay reads them). */
export const HEATMAP_GRID = 10;

/** The page without its query: the heatmaps of `/p?utm_source=a` and `/p` are one page's. */
export const pageOf = (path: string) => path.split("?")[0]!;

/**
 * `beh.<site>`, with the site's partition as a third token when there is more than one: every
 * beacon of a page view is then written by the one replica of its partition (see
 * processors/behaviour/scroll-reports.ts for why that matters).
 */
export const behaviourSubject = (site: string, partitions = 1) =>
  partitions === 1 ? `beh.${site}` : `beh.${site}.${keyPartition(site, partitions)}`;

/** What a replica's behaviour consumer reads: every site's beacons, or its partition's. */
export const behaviourFilter = (partition: Partition) =>
  partition.count === 1 ? "beh.>" : `beh.*.${partition.index}`;

/** Beacons a publisher sent without the partition count while there are several partitions. */
export const UNPARTITIONED_BEHAVIOUR = "beh.*";
export const behaviourMsgId = (batch: Pick<InteractionBatch, "site" | "view" | "seq">) =>
  `${batch.site}:${batch.view}:${batch.seq}`;

/** Clocks within this much of ours are trusted as they are, so a page view's start never drifts. */
const TRUSTED_SKEW_MS = 5 * 60 * 1000;
const MINUTE = 60 * 1000;

/**
 * Maps the browser's clock onto ours. A small skew is left alone (the batches of one page view must
 * agree on its start time, which keys its rows); a wrong clock is shifted by its offset rounded to
 * the minute, which network delay does not change from one batch to the next.
 */
export function clockCorrection(sentMs: number, receivedMs: number): number {
  const offset = receivedMs - sentMs;
  return Math.abs(offset) <= TRUSTED_SKEW_MS ? 0 : Math.round(offset / MINUTE) * MINUTE;
}

export interface BeaconContext {
  shop: string;
  platform: string;
  visitor: string;
  bot: boolean;
  receivedMs: number;
  step?: FunnelStep | undefined;
}

/** The canonical batch for a validated beacon. */
export function interactionBatch(beacon: Beacon, context: BeaconContext): InteractionBatch {
  const shift = clockCorrection(beacon.sent, context.receivedMs);
  const iso = (ms: number) => new Date(ms + shift).toISOString();
  return {
    v: INTERACTION_VERSION,
    type: "interaction",
    site: beacon.site,
    shop: context.shop,
    platform: context.platform,
    session: beacon.session,
    view: beacon.view,
    seq: beacon.seq,
    path: beacon.path,
    ...(context.step ? { step: context.step } : {}),
    viewport: { w: beacon.vw, h: beacon.vh },
    start: iso(beacon.start),
    receivedAt: new Date(context.receivedMs).toISOString(),
    visitor: context.visitor,
    bot: context.bot,
    events: beacon.events.map((e): Interaction => {
      switch (e.k) {
        case "click":
          return {
            k: "click",
            at: iso(e.at),
            x: e.x,
            y: e.y,
            selector: e.sel,
            nx: e.nx,
            ny: e.ny,
            rage: e.rage === 1,
            dead: e.dead === 1,
          };
        case "scroll":
          return { k: "scroll", at: iso(e.at), depth: e.depth, height: e.height };
        case "leave":
          return { k: "leave", at: iso(e.at), durationMs: e.dur, depth: e.depth, height: e.height };
      }
    }),
  };
}
