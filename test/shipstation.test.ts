import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEAD_LETTER_STREAM } from "../core/nats.ts";
import { viewsRefreshed } from "../core/questdb.ts";
import { renderQuery } from "../grafana/interpolate.ts";
import {
  AWAITING_SHIPMENT,
  LABEL_COST_SERIES,
  SHIPMENTS_BY_CARRIER,
  TIME_TO_SHIP,
} from "../grafana/sql/fulfilment.ts";
import { FakeShipStation, SS_PII, type FakeShipment } from "./fakes/shipstation/server.ts";
import { eventually } from "./support/eventually.ts";
import { orderPayload, ShopifyWebhookSender } from "./support/shopify-webhooks.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";

/**
 * ShipStation end to end: a thin SHIP_NOTIFY (authenticated by the token in its URL) → ingest (a ref,
 * no API call) → the fetchers read the batch's shipments from the fake V1 API, page by page, within
 * its rate limit → `shipments` in QuestDB. Expected values are worked out by hand from the specs.
 */

const TOKEN = "ss-hook-token-0123456789abcdef";
let ss: FakeShipStation;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let foreign: Server;
let foreignHits = 0;
let hookUrl: string;

beforeAll(async () => {
  ss = await FakeShipStation.start();
  ss.pageSize = 2;
  // A short rate-limit window, so waiting out `X-Rate-Limit-Reset` takes seconds, not a minute.
  ss.windowMs = 3000;
  foreign = createServer((_req, res) => {
    foreignHits++;
    res.end("{}");
  });
  await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
  stack = await startTestStack({
    SHIPSTATION_WEBHOOK_TOKEN: TOKEN,
    SHIPSTATION_API_KEY: ss.apiKey,
    SHIPSTATION_API_SECRET: ss.apiSecret,
    SHIPSTATION_API_URL: ss.apiUrl,
    SHIPSTATION_ACCOUNT: "acme-shipping",
    CATCHUP_INTERVAL_MS: "3000",
    MAX_DELIVERIES: "2",
  });
  hookUrl = `${stack.ingestUrl}/webhooks/shipstation?token=${TOKEN}`;
});
afterAll(async () => {
  await stack?.stop();
  await ss?.stop();
  foreign?.close();
});

const shipment = (
  over: Partial<FakeShipment> & Pick<FakeShipment, "shipmentId" | "batchId">,
): FakeShipment => ({
  orderNumber: `#${over.shipmentId}`,
  createdAt: "2026-11-30T18:05:00.000Z",
  shipDate: "2026-11-30",
  cost: 7.45,
  carrierCode: "ups",
  serviceCode: "ups_ground",
  trackingNumber: `1Z${over.shipmentId}`,
  ...over,
});

async function rowsFor(ids: number[]) {
  return eventually(
    async () => {
      const rows = await stack.db.rows<Record<string, unknown>>(
        `SELECT * FROM shipments WHERE shipment_id IN (${ids.map((id) => `'${id}'`).join(", ")}) ORDER BY shipment_id`,
      );
      expect(rows).toHaveLength(ids.length);
      return rows;
    },
    { timeoutMs: 30_000 },
  );
}

describe("a SHIP_NOTIFY webhook", () => {
  it("with the right token makes the fetchers read every page of the batch into shipments, in minor units, without recipient data", async () => {
    // Three labels in one batch; the fake pages by two, so the fetcher must read pages 1 and 2.
    ss.shipments.push(
      shipment({ shipmentId: 9001, batchId: 501, cost: 7.45 }),
      // 02:30 UTC on Dec 1 is 18:30 on Nov 30 in Los Angeles (PST, UTC−8): shipped the next Pacific day.
      shipment({
        shipmentId: 9002,
        batchId: 501,
        cost: 12.1,
        createdAt: "2026-12-01T02:30:00.000Z",
        shipDate: "2026-12-01",
      }),
      shipment({
        shipmentId: 9003,
        batchId: 501,
        cost: 0,
        isReturnLabel: true,
        carrierCode: "usps",
        serviceCode: "usps_priority",
      }),
    );
    const response = await ss.notify(hookUrl, 501);
    expect(response.status).toBe(200);
    const rows = await rowsFor([9001, 9002, 9003]);
    expect(rows.map((r) => [r.shipment_id, r.order_ref, r.carrier, r.label_cost_minor, r.is_return])).toEqual(
      [
        ["9001", "9001", "ups", 745, false],
        ["9002", "9002", "ups", 1210, false],
        ["9003", "9003", "usps", 0, true],
      ],
    );
    // 18:05 UTC is 10:05 PST; the label's own time counts as shipped (ship date that same day).
    expect(rows[0]).toMatchObject({
      shipper: "shipstation",
      account: "acme-shipping",
      tracking_number: "1Z9001",
      currency: "USD",
      created_at: "2026-11-30T18:05:00.000000Z",
      shipped_at: "2026-11-30T18:05:00.000000Z",
      voided_at: null,
    });
    // Ship date 2026-12-01 (Pacific) starts at 08:00 UTC, later than the label bought at 02:30 UTC.
    expect(rows[1]).toMatchObject({
      created_at: "2026-12-01T02:30:00.000000Z",
      shipped_at: "2026-12-01T08:00:00.000000Z",
    });
    expect(ss.requests.filter((r) => r.path.includes("batchId=501")).map((r) => r.status)).toEqual([
      200, 200,
    ]);
    const everything = JSON.stringify(await stack.db.rows("SELECT * FROM shipments"));
    for (const value of Object.values(SS_PII)) expect(everything).not.toContain(value);
  });

  it("is refused with 401 with a wrong or missing token, and nothing is fetched", async () => {
    ss.shipments.push(shipment({ shipmentId: 9101, batchId: 601 }));
    const before = ss.requests.length;
    expect(
      (await ss.notify(`${stack.ingestUrl}/webhooks/shipstation?token=wrong-token-0123456789`, 601)).status,
    ).toBe(401);
    expect((await ss.notify(`${stack.ingestUrl}/webhooks/shipstation`, 601)).status).toBe(401);
    const body = await (await ss.notify(`${stack.ingestUrl}/webhooks/shipstation`, 601)).json();
    expect(body).toMatchObject({ error: { code: "invalid_signature" } });
    expect(ss.requests.slice(before).filter((r) => r.path.includes("batchId=601"))).toEqual([]);
  });

  it("still lands when ShipStation answers 429 first, waiting out X-Rate-Limit-Reset", async () => {
    ss.shipments.push(shipment({ shipmentId: 9201, batchId: 701, cost: 3.99 }));
    ss.throttleNext(2);
    expect((await ss.notify(hookUrl, 701)).status).toBe(200);
    const [row] = await rowsFor([9201]);
    expect(row).toMatchObject({ label_cost_minor: 399 });
    expect(ss.requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(2);
  });

  it("whose resource_url names another host is dead-lettered with the reason, and that host is never called", async () => {
    const foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/shipments?batchId=1`;
    const response = await fetch(hookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ resource_url: foreignUrl, resource_type: "SHIP_NOTIFY" }),
    });
    expect(response.status).toBe(200);
    const nc = await connect({ servers: stack.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      const letter = await eventually(
        async () => {
          const info = await jsm.streams.info(DEAD_LETTER_STREAM);
          const found = [];
          if (info.state.messages === 0) throw new Error("nothing dead-lettered yet");
          for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
            const m = await jsm.streams.getMessage(DEAD_LETTER_STREAM, { seq });
            if (m?.header.get("MetricsDash-Consumer") === "fetchers") found.push(m);
          }
          expect(found).toHaveLength(1);
          return found[0]!;
        },
        { timeoutMs: 30_000 },
      );
      expect(letter.subject).toBe("dlq.evt.shipstation.acme-shipping.ref");
      expect(letter.header.get("MetricsDash-Error")).toContain("is not the configured ShipStation API");
    } finally {
      await nc.close();
    }
    expect(foreignHits).toBe(0);
  });
});

describe("the catch-up", () => {
  it("finds labels bought while no webhook came (by creation time), and a void shows on its row", async () => {
    // Bought a moment ago (after the last catch-up began), its webhook lost.
    const recent = new Date(Date.now() - 30_000).toISOString();
    ss.shipments.push(
      shipment({
        shipmentId: 9301,
        batchId: 801,
        createdAt: recent,
        shipDate: recent.slice(0, 10),
        cost: 5.5,
      }),
    );
    const [row] = await rowsFor([9301]);
    expect(row).toMatchObject({ label_cost_minor: 550, voided_at: null });

    const voidedAt = new Date(Date.now() - 1_000).toISOString().replace(/\.\d{3}Z$/, ".000Z");
    Object.assign(
      ss.shipments.find((s) => s.shipmentId === 9301)!,
      { voided: true, voidedAt },
    );
    expect((await ss.notify(hookUrl, 801)).status).toBe(200);
    await eventually(
      async () => {
        const [voided] = await stack.db.rows<{ voided_at: string }>(
          "SELECT voided_at FROM shipments WHERE shipment_id = '9301'",
        );
        expect(voided?.voided_at).toBe(voidedAt.replace(".000Z", ".000000Z"));
      },
      { timeoutMs: 30_000 },
    );
  });
});

describe("the Fulfilment dashboard", () => {
  it("joins labels to their Shopify orders by number: time to ship per carrier, what awaits a label, cost per carrier", async () => {
    const hour = 3_600_000;
    const now = Math.floor(Date.now() / 1000) * 1000;
    const at = (hoursAgo: number) => new Date(now - hoursAgo * hour).toISOString();
    const shopify = new ShopifyWebhookSender(stack.ingestUrl, TEST_SECRETS.SHOPIFY_API_SECRET);
    // Shopify names these orders #43001 … #43004 (1000 + id mod 100000).
    const orders = [
      { id: 42001n, hoursAgo: 20 },
      { id: 42002n, hoursAgo: 12 },
      { id: 42003n, hoursAgo: 10 },
      { id: 42004n, hoursAgo: 4 },
    ];
    for (const o of orders) {
      const payload = orderPayload({
        id: o.id,
        createdAt: at(o.hoursAgo),
        lines: [{ id: o.id * 10n, priceCents: 1000, quantity: 1 }],
      });
      expect((await shopify.deliver("orders/create", payload)).status).toBe(200);
    }
    // By hand: #43001 shipped 3 h after ordering, #43002 5 h, #43003 8 h (all FedEx); #43004 only has a
    // voided label, so it still awaits one. ShipStation's Shopify import gives the number without "#".
    const label = (
      shipmentId: number,
      orderNumber: string,
      hoursAgo: number,
      extra: Partial<FakeShipment> = {},
    ) =>
      shipment({
        shipmentId,
        batchId: 901,
        orderNumber,
        createdAt: at(hoursAgo),
        shipDate: at(hoursAgo).slice(0, 10),
        carrierCode: "fedex",
        serviceCode: "fedex_ground",
        cost: 10.25,
        ...extra,
      });
    // A ship date on the label's own Pacific day keeps the label time as shipped; pick the day from Pacific time.
    const pacificDay = (iso: string) =>
      new Intl.DateTimeFormat("en-CA", { timeZone: "America/Los_Angeles" }).format(new Date(iso));
    const labels = [label(9401, "43001", 17), label(9402, "43002", 7), label(9403, "43003", 2)];
    const voided = label(9404, "43004", 1, { voided: true, voidedAt: at(0.5) });
    for (const l of [...labels, voided]) l.shipDate = pacificDay(l.createdAt);
    ss.shipments.push(...labels, voided);
    expect((await ss.notify(hookUrl, 901)).status).toBe(200);
    await rowsFor([9401, 9402, 9403, 9404]);
    await eventually(async () => {
      const [row] = await stack.db.rows<{ n: number }>(
        "SELECT count() n FROM orders WHERE order_number LIKE '#4300%'",
      );
      expect(row?.n).toBe(4);
    });
    // Time to ship and Awaiting shipment read each label beside its order: the shipment processor
    // matches them once both are in (a label first looked up before its order was applied waits seconds).
    await eventually(async () => {
      const [row] = await stack.db.rows<{ n: number }>(
        "SELECT count() n FROM label_orders WHERE shipment_id IN ('9401', '9402', '9403', '9404')",
      );
      expect(row?.n).toBe(4);
    });

    // Labels by carrier and cost per day read the rollups: wait for QuestDB to refresh them.
    expect(await viewsRefreshed(stack.db, ["shipments_1h", "shipments_1d"])).toBe(true);
    const ctx = {
      from: new Date(now - 2 * 24 * hour),
      to: new Date(now + hour),
      maxDataPoints: 500,
      variables: {},
    };
    const run = async (sql: string) => stack.db.rows<Record<string, unknown>>(renderQuery(sql, ctx));

    const toShip = (await run(TIME_TO_SHIP)).find((r) => r.carrier === "fedex");
    expect(toShip).toMatchObject({ shipped: 3 });
    // Nearest rank of [3, 5, 8] h: the median is 5 h, the 90th percentile 8 h.
    expect(toShip!.p50_hours).toBeCloseTo(5, 1);
    expect(toShip!.p90_hours).toBeCloseTo(8, 1);

    const awaiting = (await run(AWAITING_SHIPMENT)).filter((r) => String(r.order_number).startsWith("4300"));
    expect(awaiting.map((r) => r.order_number)).toEqual(["43004"]);
    expect(awaiting[0]!.waiting_hours).toBeCloseTo(4, 0);

    // 3 live FedEx labels × 10.25 USD = 30.75; the voided one is not counted.
    const byCarrier = (await run(SHIPMENTS_BY_CARRIER)).filter((r) => r.carrier === "fedex");
    expect(byCarrier).toEqual([
      {
        shipper: "shipstation",
        carrier: "fedex",
        service: "fedex_ground",
        currency: "USD",
        labels: 3,
        returns: 0,
        label_cost: 30.75,
      },
    ]);
    const series = (await run(LABEL_COST_SERIES)).filter((r) => r.carrier === "fedex");
    expect(series.reduce((sum, r) => sum + Number(r.label_cost), 0)).toBeCloseTo(30.75, 2);
  });
});
