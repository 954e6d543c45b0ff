import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CanonicalEvent, EVENT_VERSION, type Shipment, type TrackingStatus } from "../../core/events.ts";
import { createLogger } from "../../core/log.ts";
import { viewsRefreshed, type QuestDb } from "../../core/questdb.ts";
import { seededRandom } from "../../core/seeded-random.ts";
import { renderQuery, type QueryContext } from "../../grafana/interpolate.ts";
import { LABEL_COST_SERIES, SHIPMENTS_BY_CARRIER, TRACKING_SERIES } from "../../grafana/sql/fulfilment.ts";
import { startQuestDbServer, type QuestDbServer } from "../../services/questdb-server.ts";
import { ensureTables, ORDER_TABLES } from "../orders/schema.ts";
import { shipmentsHandler } from "./handler.ts";
import { SHIPPING_VIEWS } from "./rollups.ts";
import { SHIPMENT_TABLES } from "./schema.ts";
import { trackingHandler } from "./tracking-handler.ts";
import { TRACKING_TABLES } from "./tracking-schema.ts";

/**
 * The shipping rollups on a real QuestDB: labels and tracking steps are generated, written through
 * the processors' own handlers (redeliveries, a corrected cost, a void and a stale replay among
 * them), and the hourly views' rows and the Fulfilment panels that read them are compared with
 * figures worked out here from the generated input alone.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 10, 2, 0, 0, 0); // 2 November 2026, UTC
const log = createLogger("rollups-test", "silent");
let server: QuestDbServer;
let db: QuestDb;

const random = seededRandom(15);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const iso = (ms: number) => new Date(ms).toISOString();
/** A time within three days of START, to the millisecond, so bucket edges fall between facts. */
const someTime = () => START + Math.floor(random() * 3 * DAY);

const ROUTES = [
  { shipper: "shipstation", account: "acme-ss", carrier: "ups", service: "ups_ground", currency: "USD" },
  { shipper: "shipstation", account: "acme-ss", carrier: "fedex", service: "fedex_2day", currency: "USD" },
  { shipper: "shippo", account: "acme-shippo", carrier: "USPS", service: "usps_priority", currency: "USD" },
  { shipper: "shippo", account: "jp-shippo", carrier: "JapanPost", service: null, currency: "JPY" },
] as const;
type Route = (typeof ROUTES)[number];

interface Label {
  route: Route;
  shipment: Shipment;
}

/** 240 labels; a tenth of them returns. Their last state is what the tables should hold. */
const labels: Label[] = Array.from({ length: 240 }, (_, i) => {
  const route = pick(ROUTES);
  const createdAt = iso(someTime());
  return {
    route,
    shipment: {
      shipmentId: `L${i}`,
      orderRef: `${1000 + i}`,
      carrier: route.carrier,
      service: route.service,
      trackingNumber: `TN${i}`,
      currency: route.currency,
      labelCostMinor:
        route.currency === "JPY" ? 800 + Math.floor(random() * 900) : 300 + Math.floor(random() * 2500),
      createdAt,
      shippedAt: createdAt,
      voidedAt: null,
      isReturn: random() < 0.1,
      updatedAt: createdAt,
    },
  };
});

let eventSeq = 0;
function shipmentEvent({ route, shipment }: Label): CanonicalEvent {
  return CanonicalEvent.parse({
    v: EVENT_VERSION,
    type: "shipment",
    platform: route.shipper,
    shop: route.account,
    eventId: `ev-${eventSeq++}`,
    receivedAt: shipment.updatedAt,
    shipment,
  });
}

/** What happened to labels after they were bought: states that replace the first one. */
const later = (label: Label, change: Partial<Shipment>, afterMs: number): Label => ({
  route: label.route,
  shipment: { ...label.shipment, ...change, updatedAt: iso(Date.parse(label.shipment.createdAt) + afterMs) },
});
const corrected = labels
  .slice(0, 5)
  .map((l) => later(l, { labelCostMinor: l.shipment.labelCostMinor + 1234 }, HOUR));
const voided = labels.slice(5, 9).map((l) => {
  const at = iso(Date.parse(l.shipment.createdAt) + 2 * HOUR);
  return later(l, { voidedAt: at }, 2 * HOUR);
});
/** Each label's state as it ends up: the newest one written. */
const finalState = new Map(labels.map((l) => [l.shipment.shipmentId, l]));
for (const l of [...corrected, ...voided]) finalState.set(l.shipment.shipmentId, l);

interface Parcel {
  route: Route;
  trackingNumber: string;
  steps: { status: TrackingStatus; at: number }[];
}

/** Tracking for the first 150 labels: a few steps each, ending delivered, failed or returned. */
const parcels: Parcel[] = labels.slice(0, 150).map(({ route, shipment }) => {
  const shipped = Date.parse(shipment.createdAt);
  const transit = shipped + Math.floor(random() * 6 * HOUR) + 1;
  const end = transit + Math.floor(random() * 30 * HOUR) + 1;
  const roll = random();
  const last: TrackingStatus =
    roll < 0.1 ? "FAILURE" : roll < 0.18 ? "RETURNED" : roll < 0.9 ? "DELIVERED" : "TRANSIT";
  const steps: Parcel["steps"] = [
    { status: "PRE_TRANSIT", at: shipped },
    { status: "TRANSIT", at: transit },
  ];
  if (last !== "TRANSIT") steps.push({ status: last, at: end });
  return { route, trackingNumber: shipment.trackingNumber!, steps };
});

/** The update a shipper sends after `n` steps: the newest as status, the earlier ones as history. */
function trackingEvent(parcel: Parcel, n: number): CanonicalEvent {
  const steps = parcel.steps.slice(0, n);
  const newest = steps.at(-1)!;
  return CanonicalEvent.parse({
    v: EVENT_VERSION,
    type: "tracking",
    platform: parcel.route.shipper,
    shop: parcel.route.account,
    eventId: `tr-${parcel.trackingNumber}-${n}`,
    receivedAt: iso(newest.at),
    tracking: {
      trackingNumber: parcel.trackingNumber,
      carrier: parcel.route.carrier,
      shipmentId: null,
      orderRef: null,
      status: newest.status,
      substatus: null,
      at: iso(newest.at),
      eta: null,
      deliveredAt: newest.status === "DELIVERED" ? iso(newest.at) : null,
      history: steps.map((s) => ({ status: s.status, substatus: null, at: iso(s.at) })),
    },
  });
}

async function writeBatches(handle: ReturnType<typeof shipmentsHandler>, events: CanonicalEvent[]) {
  const sender = await db.sender();
  try {
    for (let i = 0; i < events.length; i += 50) await handle(events.slice(i, i + 50), sender);
  } finally {
    await sender.close();
  }
}

beforeAll(async () => {
  server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-ship-rollups-")) });
  db = server.db;
  await ensureTables(db, [...ORDER_TABLES, ...SHIPMENT_TABLES, ...TRACKING_TABLES]);
  const ship = shipmentsHandler(db, log);
  const first = labels.map(shipmentEvent);
  await writeBatches(ship, first);
  // Redelivered as they were, then corrected, voided, and the first states replayed after those.
  await writeBatches(ship, first.slice(0, 40));
  await writeBatches(ship, [...corrected, ...voided].map(shipmentEvent));
  await writeBatches(ship, labels.slice(0, 9).map(shipmentEvent));

  const track = trackingHandler(db, log);
  // Every update in turn, each carrying the steps so far; then the newest ones again.
  const updates = parcels.flatMap((p) => p.steps.map((_, i) => trackingEvent(p, i + 1)));
  await writeBatches(track, updates);
  await writeBatches(
    track,
    parcels.slice(0, 30).map((p) => trackingEvent(p, p.steps.length)),
  );
  expect(await viewsRefreshed(db, SHIPPING_VIEWS, 60_000)).toBe(true);
}, 300_000);
afterAll(async () => server?.stop());

const hourOf = (ms: number) => Math.floor(ms / HOUR) * HOUR;
const dayOf = (ms: number) => Math.floor(ms / DAY) * DAY;
const live = () => [...finalState.values()].filter((l) => l.shipment.voidedAt === null);

/** Sums of `rows`' values per key, the key's parts joined. */
function sumBy<T>(
  rows: T[],
  key: (row: T) => unknown[],
  values: (row: T) => number[],
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const row of rows) {
    const k = JSON.stringify(key(row));
    const add = values(row);
    const sum = out.get(k) ?? add.map(() => 0);
    out.set(
      k,
      sum.map((s, i) => s + add[i]!),
    );
  }
  return out;
}
const asRecords = (sums: Map<string, number[]>, keys: string[], values: string[]) =>
  [...sums].map(([k, v]) => ({
    ...Object.fromEntries((JSON.parse(k) as unknown[]).map((part, i) => [keys[i], part])),
    ...Object.fromEntries(v.map((n, i) => [values[i], n])),
  }));
const sortRows = <T extends Record<string, unknown>>(rows: T[]) =>
  rows.sort((a, b) => JSON.stringify(Object.values(a)).localeCompare(JSON.stringify(Object.values(b))));
const qdbTime = (ms: number) => iso(ms).replace("Z", "000Z");

const BUCKETS = [
  ["1h", hourOf],
  ["1d", dayOf],
] as const;

describe.each(BUCKETS)("the %s rollups", (bucket, bucketOf) => {
  it("hold each bucket's live labels, returns and cost, counting an upserted label once", async () => {
    const expected = asRecords(
      sumBy(
        live(),
        ({ route, shipment: s }) => [
          qdbTime(bucketOf(Date.parse(s.createdAt))),
          route.shipper,
          route.account,
          route.carrier,
          route.service,
          route.currency,
        ],
        ({ shipment: s }) => [1, s.isReturn ? 1 : 0, s.labelCostMinor],
      ),
      ["created_at", "shipper", "account", "carrier", "service", "currency"],
      ["labels", "returns", "label_cost_minor"],
    );
    const rows = await db.rows<Record<string, unknown>>(`SELECT * FROM shipments_${bucket}`);
    expect(sortRows(rows)).toEqual(sortRows(expected));
    // The generated input does exercise the upserts: 4 labels voided, 5 costs corrected.
    expect(rows.reduce((n, r) => n + Number(r.labels), 0)).toBe(labels.length - voided.length);
  });

  it("count each reported step once per bucket, however often its history was resent", async () => {
    const steps = parcels.flatMap((p) => p.steps.map((step) => ({ ...step, route: p.route })));
    const expected = asRecords(
      sumBy(
        steps,
        (s) => [qdbTime(bucketOf(s.at)), s.route.shipper, s.route.account, s.route.carrier],
        (s) => [1, +(s.status === "DELIVERED"), +(s.status === "FAILURE"), +(s.status === "RETURNED")],
      ),
      ["at", "shipper", "account", "carrier"],
      ["steps", "delivered", "exceptions", "returned"],
    );
    const rows = await db.rows<Record<string, unknown>>(`SELECT * FROM tracking_${bucket}`);
    expect(sortRows(rows)).toEqual(sortRows(expected));
  });
});

/** Ranges that start and end inside hours and days (within an hour, across two hours, within a day, on day edges), as Grafana sends them. */
const RANGES = [
  { from: START + 5 * HOUR + 17 * 60_000 + 23_456, to: START + 2 * DAY + 7 * HOUR + 41 * 60_000 + 1 },
  { from: START - DAY, to: START + 4 * DAY },
  { from: START + 30 * HOUR + 60_000, to: START + 30 * HOUR + 50 * 60_000 },
  { from: START + 30 * HOUR + 60_000, to: START + 40 * HOUR + 50 * 60_000 },
  { from: START + 30 * HOUR + 60_000, to: START + 31 * HOUR + 50 * 60_000 },
  { from: START + 24 * HOUR, to: START + 48 * HOUR },
  { from: START + DAY - 30 * 60_000 + 7, to: START + 3 * DAY + 30 * 60_000 },
];
const context = (r: (typeof RANGES)[number]): QueryContext => ({
  from: new Date(r.from),
  to: new Date(r.to),
  maxDataPoints: 500,
  variables: {},
});
const inRange = (ms: number, r: (typeof RANGES)[number]) => ms >= r.from && ms <= r.to;
const perUnit = (currency: string) => (currency === "JPY" ? 1 : 100);
/**
 * A panel's cost (major units, a double: QuestDB's `round(104.82, 3)` is 104.82000000000001) back
 * in minor units, to compare exactly with the generated labels' sums.
 */
const inMinorUnits = (row: Record<string, unknown>) => ({
  ...row,
  label_cost: Math.round(Number(row.label_cost) * perUnit(String(row.currency))),
});

describe.each(RANGES.map((r) => [`${iso(r.from)} – ${iso(r.to)}`, r] as const))(
  "the Fulfilment panels over %s",
  (_name, range) => {
    const labelsIn = () => live().filter((l) => inRange(Date.parse(l.shipment.createdAt), range));

    it("Labels by carrier: the same figures as the labels themselves", async () => {
      const expected = asRecords(
        sumBy(
          labelsIn(),
          ({ route }) => [route.shipper, route.carrier, route.service, route.currency],
          ({ shipment: s }) => [1, s.isReturn ? 1 : 0, s.labelCostMinor],
        ),
        ["shipper", "carrier", "service", "currency"],
        ["labels", "returns", "label_cost"],
      );
      const rows = await db.rows<Record<string, unknown>>(renderQuery(SHIPMENTS_BY_CARRIER, context(range)));
      expect(sortRows(rows.map(inMinorUnits))).toEqual(sortRows(expected));
      if (range.to - range.from > DAY) expect(rows.length).toBeGreaterThan(0);
    });

    it("Label cost per day: each UTC day's cost per carrier and currency", async () => {
      const expected = asRecords(
        sumBy(
          labelsIn(),
          ({ route, shipment: s }) => [
            qdbTime(dayOf(Date.parse(s.createdAt))),
            route.carrier,
            route.currency,
          ],
          ({ shipment: s }) => [s.labelCostMinor],
        ),
        ["time", "carrier", "currency"],
        ["label_cost"],
      );
      const rows = await db.rows<Record<string, unknown>>(renderQuery(LABEL_COST_SERIES, context(range)));
      expect(sortRows(rows.map(inMinorUnits))).toEqual(sortRows(expected));
    });

    it("Delivered, exceptions and returns per day: each UTC day's steps", async () => {
      const steps = parcels.flatMap((p) => p.steps).filter((s) => inRange(s.at, range));
      const expected = asRecords(
        sumBy(
          steps,
          (s) => [qdbTime(dayOf(s.at))],
          (s) => [+(s.status === "DELIVERED"), +(s.status === "FAILURE"), +(s.status === "RETURNED")],
        ),
        ["time"],
        ["delivered", "exceptions", "returned"],
      );
      const rows = await db.rows<Record<string, unknown>>(renderQuery(TRACKING_SERIES, context(range)));
      expect(sortRows(rows)).toEqual(sortRows(expected));
    });
  },
);
