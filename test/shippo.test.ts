import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeShippo, SHIPPO_PII, type FakeLabel } from "./fakes/shippo/server.ts";
import { eventually } from "./support/eventually.ts";
import { startTestStack } from "./support/stack.ts";

/**
 * Shippo end to end: webhooks carrying their objects whole (a label bought, a parcel's tracking),
 * authenticated by our token in the URL and the HMAC header → ingest → processors → `shipments` and
 * `tracking_events`; tracking delivered out of order never goes back; the catch-up lists labels
 * whose webhook was lost, page by page, through a 429. Expected values are worked out by hand.
 */

const TOKEN = "shippo-hook-token-0123456789abcdef";
const HMAC = "shippo-hmac-secret-0123456789abcdef";
let shippo: FakeShippo;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let hookUrl: string;
const startedAt = Date.now();

beforeAll(async () => {
  shippo = await FakeShippo.start();
  shippo.maxResults = 2;
  stack = await startTestStack({
    SHIPPO_WEBHOOK_TOKEN: TOKEN,
    SHIPPO_WEBHOOK_HMAC_SECRET: HMAC,
    SHIPPO_API_TOKEN: shippo.apiToken,
    SHIPPO_API_URL: shippo.apiUrl,
    SHIPPO_ACCOUNT: "acme-parcels",
    CATCHUP_INTERVAL_MS: "3000",
  });
  hookUrl = `${stack.ingestUrl}/webhooks/shippo?token=${TOKEN}`;
});
afterAll(async () => {
  await stack?.stop();
  await shippo?.stop();
});

const label = (over: Partial<FakeLabel> & Pick<FakeLabel, "objectId">): FakeLabel => ({
  createdAt: "2026-11-30T18:05:00Z",
  metadata: `Order #${over.objectId.slice(-4)}`,
  amount: "5.50",
  currency: "USD",
  provider: "USPS",
  servicelevelToken: "usps_priority",
  trackingNumber: `9400${over.objectId.slice(-4)}`,
  ...over,
});
const signed = { secret: HMAC };

async function rows(sql: string, count: number) {
  return eventually(
    async () => {
      const found = await stack.db.rows<Record<string, unknown>>(sql);
      expect(found).toHaveLength(count);
      return found;
    },
    { timeoutMs: 30_000 },
  );
}

describe("a transaction_created webhook", () => {
  it("with the right token and signature lands in shipments: carrier, service, cost in minor units, order reference", async () => {
    const l = label({ objectId: "tx_a1001", amount: "12.34", metadata: "Order #1001" });
    const response = await shippo.notify(hookUrl, "transaction_created", shippo.transaction(l), signed);
    expect(response.status).toBe(200);
    const [row] = await rows("SELECT * FROM shipments WHERE shipment_id = 'tx_a1001'", 1);
    expect(row).toMatchObject({
      shipper: "shippo",
      account: "acme-parcels",
      order_ref: "1001",
      carrier: "usps",
      service: "usps_priority",
      tracking_number: "94001001",
      currency: "USD",
      label_cost_minor: 1234,
      created_at: "2026-11-30T18:05:00.000000Z",
      shipped_at: "2026-11-30T18:05:00.000000Z",
      voided_at: null,
      is_return: false,
    });
  });

  it("is refused with 401 with a wrong or missing token, a missing or wrong signature, or a stale one", async () => {
    const data = shippo.transaction(label({ objectId: "tx_b2001" }));
    const wrongToken = `${stack.ingestUrl}/webhooks/shippo?token=wrong-token-0123456789abc`;
    expect((await shippo.notify(wrongToken, "transaction_created", data, signed)).status).toBe(401);
    expect(
      (await shippo.notify(`${stack.ingestUrl}/webhooks/shippo`, "transaction_created", data, signed)).status,
    ).toBe(401);
    expect((await shippo.notify(hookUrl, "transaction_created", data)).status).toBe(401);
    const forged = { secret: "not-the-secret-0123456789abcdef" };
    expect((await shippo.notify(hookUrl, "transaction_created", data, forged)).status).toBe(401);
    // Signed ten minutes ago: past the five-minute tolerance, so a captured delivery can't be replayed.
    const stale = { secret: HMAC, at: Date.now() - 10 * 60_000 };
    const response = await shippo.notify(hookUrl, "transaction_created", data, stale);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "invalid_signature" } });
    // A control: the same body, rightly signed, lands; so nothing above was lost for another reason.
    expect((await shippo.notify(hookUrl, "transaction_created", data, signed)).status).toBe(200);
    await rows("SELECT * FROM shipments WHERE shipment_id = 'tx_b2001'", 1);
  });
});

describe("track_updated webhooks", () => {
  it("record each step; one delivered late never takes the parcel back from DELIVERED, and its ETA stays", async () => {
    const l = label({ objectId: "tx_c3001" });
    const steps = [
      { status: "PRE_TRANSIT", at: "2026-11-30T18:10:00Z" },
      { status: "TRANSIT", at: "2026-12-01T02:00:00Z" },
      { status: "TRANSIT", at: "2026-12-01T09:30:00Z", substatus: "package_departed" },
      { status: "DELIVERED", at: "2026-12-02T15:45:00Z", substatus: "delivered" },
    ] as const;
    const eta = "2026-12-02T20:00:00Z";
    // Shippo sends the delivered update first; the in-transit one (older, with an older ETA) comes after.
    const delivered = shippo.track(l, [...steps], eta);
    const inTransit = shippo.track(l, steps.slice(0, 2), "2026-12-03T20:00:00Z");
    expect((await shippo.notify(hookUrl, "track_updated", delivered, signed)).status).toBe(200);
    await rows("SELECT * FROM tracking_events WHERE tracking_number = '94003001'", 4);
    expect((await shippo.notify(hookUrl, "track_updated", inTransit, signed)).status).toBe(200);
    // A later, unrelated update proves the late one was consumed (and dropped) before we look.
    const other = label({ objectId: "tx_c3002" });
    const otherSteps = [
      { status: "FAILURE", at: "2026-12-02T10:00:00Z", substatus: "package_lost" },
    ] as const;
    expect(
      (await shippo.notify(hookUrl, "track_updated", shippo.track(other, [...otherSteps], null), signed))
        .status,
    ).toBe(200);
    await rows("SELECT * FROM tracking_events WHERE tracking_number = '94003002'", 1);

    const [now] = await rows(
      "SELECT status, eta, delivered_at, carrier, order_ref, shipment_id FROM tracking_events WHERE tracking_number = '94003001' LATEST ON at PARTITION BY tracking_number",
      1,
    );
    expect(now).toEqual({
      status: "DELIVERED",
      eta: "2026-12-02T20:00:00.000000Z",
      delivered_at: "2026-12-02T15:45:00.000000Z",
      carrier: "usps",
      order_ref: "3001",
      shipment_id: "tx_c3001",
    });
    const history = await stack.db.rows<{
      at: string;
      status: string;
      substatus: string | null;
      eta: string | null;
    }>(
      "SELECT at, status, substatus, eta FROM tracking_events WHERE tracking_number = '94003001' ORDER BY at",
    );
    expect(history).toEqual([
      { at: "2026-11-30T18:10:00.000000Z", status: "PRE_TRANSIT", substatus: null, eta: null },
      { at: "2026-12-01T02:00:00.000000Z", status: "TRANSIT", substatus: null, eta: null },
      { at: "2026-12-01T09:30:00.000000Z", status: "TRANSIT", substatus: "package_departed", eta: null },
      {
        at: "2026-12-02T15:45:00.000000Z",
        status: "DELIVERED",
        substatus: "delivered",
        eta: "2026-12-02T20:00:00.000000Z",
      },
    ]);
  });
});

describe("the catch-up", () => {
  it("lists labels whose webhook was lost, following next through every page and waiting out a 429", async () => {
    const recent = (secondsAgo: number) =>
      new Date(Date.now() - secondsAgo * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    shippo.labels.push(
      label({ objectId: "tx_d4001", createdAt: recent(40), amount: "3.10" }),
      label({
        objectId: "tx_d4002",
        createdAt: recent(30),
        amount: "4.20",
        provider: "UPS",
        servicelevelToken: "ups_ground",
      }),
      label({ objectId: "tx_d4003", createdAt: recent(20), amount: "0.99" }),
    );
    shippo.throttleNext(1);
    const found = await rows(
      "SELECT shipment_id, carrier, label_cost_minor FROM shipments WHERE shipment_id IN ('tx_d4001','tx_d4002','tx_d4003') ORDER BY shipment_id",
      3,
    );
    expect(found).toEqual([
      { shipment_id: "tx_d4001", carrier: "usps", label_cost_minor: 310 },
      { shipment_id: "tx_d4002", carrier: "ups", label_cost_minor: 420 },
      { shipment_id: "tx_d4003", carrier: "usps", label_cost_minor: 99 },
    ]);
    const listings = shippo.requests.filter((r) => r.path.startsWith("/transactions/"));
    expect(listings.some((r) => r.status === 429)).toBe(true);
    expect(listings.some((r) => r.path.includes("page=2"))).toBe(true);
    expect(listings.every((r) => r.auth === `ShippoToken ${shippo.apiToken}`)).toBe(true);
    // The first listing asks from no later than when this run started (less the overlap).
    const since = new URL(listings[0]!.path, shippo.apiUrl).searchParams.get("object_created_gt");
    expect(Date.parse(since!)).toBeLessThanOrEqual(startedAt);
  });
});

describe("personal data", () => {
  it("is neither at rest nor in any service's log", async () => {
    const stored = JSON.stringify([
      ...(await stack.db.rows("SELECT * FROM shipments")),
      ...(await stack.db.rows("SELECT * FROM tracking_events")),
    ]);
    expect(stored).toContain("tx_a1001");
    const logs = readdirSync(stack.dir)
      .filter((f) => f.endsWith(".log"))
      .map((f) => readFileSync(join(stack.dir, f), "utf8"))
      .join("\n");
    expect(logs.length).toBeGreaterThan(0);
    for (const value of Object.values(SHIPPO_PII)) {
      expect(stored).not.toContain(value);
      expect(logs).not.toContain(value);
    }
    expect(logs).not.toContain(TOKEN);
    expect(logs).not.toContain(shippo.apiToken);
  });
});
