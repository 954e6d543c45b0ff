import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlString } from "../core/questdb.ts";
import {
  capture,
  FakePayPalCerts,
  makeCertificates,
  PAYPAL_PII,
  paypalHeaders,
  refund,
  webhookEvent,
  type Certificates,
} from "./fakes/paypal/paypal.ts";
import { eventually } from "./support/eventually.ts";
import { startTestStack } from "./support/stack.ts";

/**
 * PayPal end to end: a certificate we issue from our own CA, served by a fake at PayPal's path,
 * deliveries signed with its key as PayPal signs → ingest (offline verification) → JetStream →
 * processors → QuestDB. Amounts expected below are worked out by hand.
 */

const WEBHOOK_ID = "8PT597110X687430LKGECATA";
let certs: Certificates;
let paypal: FakePayPalCerts;
let foreign: FakePayPalCerts;
let certUrl: string;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let url: string;

beforeAll(async () => {
  certs = makeCertificates();
  paypal = await FakePayPalCerts.start();
  foreign = await FakePayPalCerts.start();
  certUrl = paypal.serve(certs.leafPem);
  stack = await startTestStack({
    PAYPAL_WEBHOOK_ID: WEBHOOK_ID,
    PAYPAL_CERT_BASE_URL: paypal.origin,
    PAYPAL_CERT_CA: certs.caPem,
  });
  url = `${stack.ingestUrl}/webhooks/paypal`;
});
afterAll(async () => {
  await stack?.stop();
  await paypal?.stop();
  await foreign?.stop();
});

const now = () => new Date().toISOString();
function post(
  body: object,
  overrides: Partial<Parameters<typeof paypalHeaders>[1]> = {},
  sent = JSON.stringify(body),
) {
  const headers = paypalHeaders(JSON.stringify(body), {
    webhookId: WEBHOOK_ID,
    certUrl,
    keyPem: certs.leafKeyPem,
    ...overrides,
  });
  return fetch(url, { method: "POST", headers, body: sent });
}
async function rows(where: string, count: number) {
  return eventually(async () => {
    const found = await stack.db.rows(`SELECT * FROM payments WHERE ${where}`);
    expect(found).toHaveLength(count);
    return found;
  });
}

describe("verification", () => {
  const body = webhookEvent(
    "PAYMENT.CAPTURE.COMPLETED",
    capture({ id: "VERIFY1", currency: "USD", value: "1.00", createTime: now() }),
    now(),
  );

  it("accepts a delivery signed with the served certificate's key, fetching the certificate once", async () => {
    expect((await post(body)).status).toBe(200);
    expect(
      (
        await post(
          webhookEvent(
            "PAYMENT.CAPTURE.COMPLETED",
            capture({ id: "VERIFY2", currency: "USD", value: "1.00", createTime: now() }),
            now(),
          ),
        )
      ).status,
    ).toBe(200);
    expect(paypal.fetchCount(certUrl)).toBe(1);
  });

  it("refuses a body changed after signing (its CRC32 differs) with 401", async () => {
    const res = await post(body, {}, JSON.stringify({ ...body, id: "WH-TAMPERED" }));
    expect(res.status).toBe(401);
  });

  it("refuses a signature for another webhook id, or by a key the certificate does not hold", async () => {
    expect((await post(body, { webhookId: "0000000000OTHERWEBHOOK" })).status).toBe(401);
    const stranger = makeCertificates();
    expect((await post(body, { keyPem: stranger.leafKeyPem })).status).toBe(401);
  });

  it("never fetches a certificate from a host outside the allow-list", async () => {
    // A chain that would verify (our CA issued it), served by a host ingest must not call.
    const foreignUrl = foreign.serve(certs.leafPem);
    expect((await post(body, { certUrl: foreignUrl })).status).toBe(401);
    expect(foreign.fetchCount(foreignUrl)).toBe(0);
    expect((await post(body, { certUrl: "https://evil.example/v1/notifications/certs/CERT-1" })).status).toBe(
      401,
    );
  });

  it("refuses a certificate whose chain does not reach a trusted root", async () => {
    const untrusted = makeCertificates();
    const untrustedUrl = paypal.serve(untrusted.leafPem);
    expect((await post(body, { certUrl: untrustedUrl, keyPem: untrusted.leafKeyPem })).status).toBe(401);
  });
});

describe("captures and refunds", () => {
  it("land in exact minor units with fee, net and order reference, and no personal data", async () => {
    const t = now();
    // By hand: 25.99 USD = 2599 cents, fee 1.05 = 105, net 24.94 = 2494; 1500 JPY = 1500; 12.345 KWD = 12345 fils.
    const sent = [
      {
        id: "CAPUSD",
        currency: "USD",
        value: "25.99",
        fee: "1.05",
        net: "24.94",
        customId: "101",
        invoiceId: "WC-101",
      },
      { id: "CAPJPY", currency: "JPY", value: "1500", fee: "94", net: "1406", invoiceId: "WC-102" },
      { id: "CAPKWD", currency: "KWD", value: "12.345", customId: "103" },
    ];
    for (const s of sent) {
      expect(
        (await post(webhookEvent("PAYMENT.CAPTURE.COMPLETED", capture({ ...s, createTime: t }), t))).status,
      ).toBe(200);
    }
    const [usd] = await rows("object_id = 'CAPUSD'", 1);
    expect(usd).toMatchObject({
      processor: "paypal",
      shop: "7KNGBPH2U58GQ",
      kind: "captured",
      currency: "USD",
      amount_minor: 2599,
      fee_minor: 105,
      net_minor: 2494,
      order_ref: "101",
      status: "COMPLETED",
    });
    const [jpy] = await rows("object_id = 'CAPJPY'", 1);
    expect(jpy).toMatchObject({
      currency: "JPY",
      amount_minor: 1500,
      fee_minor: 94,
      net_minor: 1406,
      order_ref: "WC-102",
    });
    const [kwd] = await rows("object_id = 'CAPKWD'", 1);
    expect(kwd).toMatchObject({ currency: "KWD", amount_minor: 12345, fee_minor: null, order_ref: "103" });
    const all = JSON.stringify(await stack.db.rows("SELECT * FROM payments"));
    for (const pii of Object.values(PAYPAL_PII)) expect(all).not.toContain(pii);
  });

  it("writes a refund once however often PayPal retries it", async () => {
    const t = now();
    const e = webhookEvent(
      "PAYMENT.CAPTURE.REFUNDED",
      refund({
        id: "REF1",
        captureId: "CAPUSD",
        currency: "USD",
        value: "5.00",
        createTime: t,
        customId: "101",
      }),
      t,
    );
    for (let i = 0; i < 3; i++) expect((await post(e)).status).toBe(200);
    const [row] = await rows("object_id = 'REF1'", 1);
    expect(row).toMatchObject({
      kind: "refunded",
      amount_minor: 500,
      payment_id: "CAPUSD",
      order_ref: "101",
    });
  });

  it("keeps a capture's newer state when an older one arrives late", async () => {
    const created = new Date(Date.now() - 60_000).toISOString();
    const later = now();
    const pending = capture({
      id: "CAPLATE",
      currency: "EUR",
      value: "10.00",
      status: "PENDING",
      createTime: created,
      updateTime: created,
    });
    const completed = capture({
      id: "CAPLATE",
      currency: "EUR",
      value: "10.00",
      status: "COMPLETED",
      createTime: created,
      updateTime: later,
    });
    await post(webhookEvent("PAYMENT.CAPTURE.COMPLETED", completed, later));
    await rows(`object_id = 'CAPLATE' AND status = 'COMPLETED'`, 1);
    await post(webhookEvent("PAYMENT.CAPTURE.PENDING", pending, created));
    // Wait until the consumer is past the stale one: a later capture lands behind it.
    await post(
      webhookEvent(
        "PAYMENT.CAPTURE.COMPLETED",
        capture({ id: "CAPMARK", currency: "EUR", value: "1.00", createTime: later }),
        later,
      ),
    );
    await rows("object_id = 'CAPMARK'", 1);
    const [row] = await rows(`object_id = ${sqlString("CAPLATE")}`, 1);
    expect(row).toMatchObject({ status: "COMPLETED" });
  });
});

describe("personal data", () => {
  it("appears in no payment table and no service log", async () => {
    for (const table of ["payments", "disputes", "payouts"]) {
      const all = JSON.stringify(await stack.db.rows(`SELECT * FROM ${table}`));
      for (const pii of Object.values(PAYPAL_PII)) expect(all).not.toContain(pii);
    }
    const logs = readdirSync(stack.dir).filter((name) => name.endsWith(".log"));
    expect(logs).toContain("ingest.log");
    for (const name of logs) {
      const text = readFileSync(join(stack.dir, name), "utf8");
      for (const pii of Object.values(PAYPAL_PII)) expect(text, name).not.toContain(pii);
    }
  });
});
