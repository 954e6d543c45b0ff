import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for Shippo, built from its API reference (version 2018-02-08): `Authorization:
 * ShippoToken <token>` (401 otherwise); `GET /transactions/` filtered by `object_created_gt`, paged by
 * `page`/`results`, answering `{next, previous, results}` with `next` the next page's full URL (null
 * on the last); a 429 with `Retry-After` when told to throttle. Webhooks are POSTed as
 * `{event, test, data}` with the object whole, to a URL carrying our token, and — where the account
 * has HMAC — a `Shippo-Auth-Signature: t=…,v1=…` header (that format is the integrators', not the docs').
 */

export interface FakeLabel {
  objectId: string;
  createdAt: string;
  updatedAt?: string;
  status?: "SUCCESS" | "QUEUED" | "ERROR" | "REFUNDED";
  metadata: string;
  amount: string;
  currency: string;
  provider: string;
  servicelevelToken: string;
  trackingNumber: string;
  eta?: string | null;
}

export interface FakeStep {
  status: "PRE_TRANSIT" | "TRANSIT" | "DELIVERED" | "RETURNED" | "FAILURE" | "UNKNOWN";
  at: string;
  substatus?: string;
}

/** What Shippo puts in its objects about people and places: none of it may reach QuestDB or a log. */
export const SHIPPO_PII = {
  firstName: "Grace",
  lastName: "Recipient-Hopper",
  username: "grace.hopper@example.org",
  city: "Arlingtonshire",
  zip: "22201-9876",
};

export class FakeShippo {
  readonly apiToken = "shippo_test_0123456789abcdef";
  readonly labels: FakeLabel[] = [];
  readonly requests: { path: string; status: number; auth: string | undefined }[] = [];
  private server!: Server;
  private throttled = 0;
  /** Shippo caps `results`; tests lower the cap to make listings page. */
  maxResults = 100;
  apiUrl = "";

  static async start(): Promise<FakeShippo> {
    const fake = new FakeShippo();
    fake.server = createServer((req, res) => fake.serve(req, res));
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    fake.apiUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `n` API requests are answered 429. */
  throttleNext(n: number): void {
    this.throttled = n;
  }

  transaction(label: FakeLabel): Record<string, unknown> {
    return {
      object_id: label.objectId,
      object_state: "VALID",
      object_created: label.createdAt,
      object_updated: label.updatedAt ?? label.createdAt,
      object_owner: SHIPPO_PII.username,
      created_by: {
        first_name: SHIPPO_PII.firstName,
        last_name: SHIPPO_PII.lastName,
        username: SHIPPO_PII.username,
      },
      status: label.status ?? "SUCCESS",
      test: false,
      rate: {
        object_id: `rate_${label.objectId}`,
        amount: label.amount,
        currency: label.currency,
        amount_local: label.amount,
        currency_local: label.currency,
        provider: label.provider,
        servicelevel_name: label.servicelevelToken.replace(/_/g, " "),
        servicelevel_token: label.servicelevelToken,
        carrier_account: "ca_0123",
      },
      tracking_number: label.trackingNumber,
      tracking_status: "UNKNOWN",
      eta: label.eta ?? null,
      metadata: label.metadata,
      label_url: `https://shippo-delivery.example/${label.objectId}.pdf`,
      parcel: `parcel_${label.objectId}`,
      messages: [],
    };
  }

  /** A track object as `track_updated` carries it: status now, history oldest first, ETA. */
  track(label: FakeLabel, steps: FakeStep[], eta: string | null): Record<string, unknown> {
    const place = { city: SHIPPO_PII.city, state: "VA", zip: SHIPPO_PII.zip, country: "US" };
    const status = (s: FakeStep, i: number) => ({
      object_id: `ts_${label.objectId}_${i}`,
      object_created: s.at,
      object_updated: s.at,
      status: s.status,
      status_details: `${s.status} near ${SHIPPO_PII.city}`,
      status_date: s.at,
      substatus: s.substatus ? { code: s.substatus, text: s.substatus, action_required: false } : null,
      location: place,
    });
    const last = steps.at(-1)!;
    return {
      carrier: label.provider.toLowerCase(),
      tracking_number: label.trackingNumber,
      address_from: place,
      address_to: place,
      transaction: label.objectId,
      original_eta: eta,
      eta,
      servicelevel: { token: label.servicelevelToken, name: label.servicelevelToken },
      metadata: label.metadata,
      test: false,
      tracking_status: status(last, steps.length - 1),
      tracking_history: steps.map(status),
    };
  }

  /** POSTs a webhook as Shippo does; `sign` adds the HMAC header with that secret. */
  async notify(
    url: string,
    event: "transaction_created" | "track_updated" | "batch_created",
    data: unknown,
    sign?: { secret: string; at?: number },
  ): Promise<Response> {
    const body = JSON.stringify({ event, test: false, data });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (sign) {
      const t = String(Math.floor((sign.at ?? Date.now()) / 1000));
      const v1 = createHmac("sha256", sign.secret).update(`${t}.${body}`).digest("hex");
      headers["shippo-auth-signature"] = `t=${t},v1=${v1}`;
    }
    return fetch(url, { method: "POST", headers, body });
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", this.apiUrl);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ path: `${url.pathname}${url.search}`, status, auth: req.headers.authorization });
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `ShippoToken ${this.apiToken}`)
      return answer(401, { detail: "Authentication credentials were not provided." });
    if (this.throttled > 0) {
      this.throttled--;
      return answer(429, { detail: "Request was throttled." }, { "retry-after": "1" });
    }
    if (req.method !== "GET" || url.pathname !== "/transactions/")
      return answer(404, { detail: "Not found." });
    const since = url.searchParams.get("object_created_gt");
    const page = Number(url.searchParams.get("page") ?? "1");
    const size = Math.min(Number(url.searchParams.get("results") ?? "25"), this.maxResults);
    const matching = this.labels
      .filter((l) => !since || Date.parse(l.createdAt) > Date.parse(since))
      .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    const pageOf = (n: number) => {
      const next = new URL(url);
      next.searchParams.set("page", String(n));
      next.searchParams.set("results", String(size));
      return next.href;
    };
    answer(200, {
      next: page * size < matching.length ? pageOf(page + 1) : null,
      previous: page > 1 ? pageOf(page - 1) : null,
      results: matching.slice((page - 1) * size, page * size).map((l) => this.transaction(l)),
    });
  }
}
