import { execFileSync } from "node:child_process";
import { randomBytes, sign } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";

/**
 * PayPal's side of a webhook, from PayPal's documentation (Webhooks: "verify the signature
 * yourself"; Payments v2 capture and refund resources): a certificate served at a
 * `/v1/notifications/certs/CERT-…` URL, and each delivery signed with its key over
 * `<transmission id>|<transmission time>|<webhook id>|<CRC32 of the body, decimal>`, sent as the
 * PAYPAL-* headers. The certificates are our own, made with openssl: a CA and a leaf it issued.
 */

export const PAYPAL_PII = {
  email: "buyer.person@example.net",
  given: "Amelia",
  surname: "Earhartson",
  line1: "1 Main Street",
  merchantEmail: "merchant.owner@example.org",
};

export interface Certificates {
  caPem: string;
  leafPem: string;
  leafKeyPem: string;
}

/** A self-signed CA and a leaf issued by it, valid from now for a day. */
export function makeCertificates(cn = "messageverificationcerts.paypal.com"): Certificates {
  const dir = mkdtempSync(join(tmpdir(), "paypal-certs-"));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    file("ca.key"),
    "-out",
    file("ca.pem"),
    "-days",
    "1",
    "-subj",
    "/CN=Fake PayPal Test Root",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    file("leaf.key"),
    "-out",
    file("leaf.csr"),
    "-subj",
    `/CN=${cn}`,
  );
  openssl(
    "x509",
    "-req",
    "-in",
    file("leaf.csr"),
    "-CA",
    file("ca.pem"),
    "-CAkey",
    file("ca.key"),
    "-CAcreateserial",
    "-out",
    file("leaf.pem"),
    "-days",
    "1",
  );
  return {
    caPem: readFileSync(file("ca.pem"), "utf8"),
    leafPem: readFileSync(file("leaf.pem"), "utf8"),
    leafKeyPem: readFileSync(file("leaf.key"), "utf8"),
  };
}

/** Serves certificates at PayPal's path, counting fetches (PayPal's cert should be fetched once). */
export class FakePayPalCerts {
  readonly fetches: Map<string, number>;
  private readonly server: Server;
  readonly origin: string;
  private readonly certs: Map<string, string>;

  private constructor(
    server: Server,
    origin: string,
    certs: Map<string, string>,
    fetches: Map<string, number>,
  ) {
    this.server = server;
    this.fetches = fetches;
    this.origin = origin;
    this.certs = certs;
  }

  static async start(): Promise<FakePayPalCerts> {
    const certs = new Map<string, string>();
    const fetches = new Map<string, number>();
    const server = createServer((req, res) => {
      const path = req.url ?? "";
      fetches.set(path, (fetches.get(path) ?? 0) + 1);
      const pem = certs.get(path);
      res.writeHead(pem ? 200 : 404, { "content-type": "application/x-pem-file" }).end(pem ?? "");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return new FakePayPalCerts(server, `http://127.0.0.1:${port}`, certs, fetches);
  }

  /** Publishes a PEM; returns its URL as PayPal would name it in PAYPAL-CERT-URL. */
  serve(pem: string): string {
    const path = `/v1/notifications/certs/CERT-360caa42-fca2a594-${randomBytes(4).toString("hex")}`;
    this.certs.set(path, pem);
    return `${this.origin}${path}`;
  }

  fetchCount(url: string): number {
    return this.fetches.get(new URL(url).pathname) ?? 0;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface SignOptions {
  webhookId: string;
  certUrl: string;
  keyPem: string;
  transmissionId?: string;
  transmissionTime?: string;
}

/** The PAYPAL-* headers for `body`, signed as PayPal signs. */
export function paypalHeaders(body: string, o: SignOptions): Record<string, string> {
  const id = o.transmissionId ?? crypto.randomUUID();
  const time = o.transmissionTime ?? new Date().toISOString();
  const message = `${id}|${time}|${o.webhookId}|${crc32(Buffer.from(body, "utf8")) >>> 0}`;
  return {
    "content-type": "application/json",
    "paypal-auth-algo": "SHA256withRSA",
    "paypal-cert-url": o.certUrl,
    "paypal-transmission-id": id,
    "paypal-transmission-time": time,
    "paypal-transmission-sig": sign("sha256", Buffer.from(message, "utf8"), o.keyPem).toString("base64"),
  };
}

const money = (currency: string, value: string) => ({ currency_code: currency, value });

export interface CaptureSpec {
  id: string;
  currency: string;
  value: string;
  fee?: string;
  net?: string;
  customId?: string;
  invoiceId?: string;
  status?: string;
  createTime: string;
  updateTime?: string;
}

/** A Payments v2 capture, with the payer and payee details a real event may carry around it. */
export function capture(spec: CaptureSpec) {
  return {
    id: spec.id,
    amount: money(spec.currency, spec.value),
    final_capture: true,
    seller_protection: { status: "ELIGIBLE", dispute_categories: ["ITEM_NOT_RECEIVED"] },
    seller_receivable_breakdown: {
      gross_amount: money(spec.currency, spec.value),
      ...(spec.fee ? { paypal_fee: money(spec.currency, spec.fee) } : {}),
      ...(spec.net ? { net_amount: money(spec.currency, spec.net) } : {}),
    },
    ...(spec.customId ? { custom_id: spec.customId } : {}),
    ...(spec.invoiceId ? { invoice_id: spec.invoiceId } : {}),
    status: spec.status ?? "COMPLETED",
    create_time: spec.createTime,
    update_time: spec.updateTime ?? spec.createTime,
    payee: { email_address: PAYPAL_PII.merchantEmail, merchant_id: "7KNGBPH2U58GQ" },
    payer: {
      email_address: PAYPAL_PII.email,
      name: { given_name: PAYPAL_PII.given, surname: PAYPAL_PII.surname },
    },
    shipping: { address: { address_line_1: PAYPAL_PII.line1, postal_code: "95131", country_code: "US" } },
    links: [{ href: `https://api.paypal.com/v2/payments/captures/${spec.id}`, rel: "self", method: "GET" }],
  };
}

export function refund(spec: {
  id: string;
  captureId: string;
  currency: string;
  value: string;
  createTime: string;
  customId?: string;
}) {
  return {
    id: spec.id,
    amount: money(spec.currency, spec.value),
    ...(spec.customId ? { custom_id: spec.customId } : {}),
    status: "COMPLETED",
    create_time: spec.createTime,
    update_time: spec.createTime,
    payer: { email_address: PAYPAL_PII.email },
    links: [
      { href: `https://api.paypal.com/v2/payments/refunds/${spec.id}`, rel: "self", method: "GET" },
      { href: `https://api.paypal.com/v2/payments/captures/${spec.captureId}`, rel: "up", method: "GET" },
    ],
  };
}

export function webhookEvent(
  eventType: string,
  resource: object,
  createTime: string,
  id = `WH-${randomBytes(8).toString("hex").toUpperCase()}`,
) {
  return {
    id,
    event_version: "1.0",
    create_time: createTime,
    resource_type: eventType.includes("REFUNDED") || eventType.includes("REVERSED") ? "refund" : "capture",
    resource_version: "2.0",
    event_type: eventType,
    summary: `Event ${eventType}`,
    resource,
    links: [
      { href: `https://api.paypal.com/v1/notifications/webhooks-events/${id}`, rel: "self", method: "GET" },
    ],
  };
}
