import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for ShipStation's V1 API, built from its reference: Basic auth with the API key and
 * secret; 40 requests a minute per key, reported in `X-Rate-Limit-Limit|Remaining|Reset` (seconds to
 * the window's end) and refused with 429 past it; `GET /shipments` filtered by `batchId` or
 * `createDateStart` (Pacific wall time), paged by `page`/`pageSize` with `total`, `page`, `pages`;
 * times as Pacific wall-clock strings without offset. Webhooks are thin: `{resource_url, resource_type}`.
 */

export interface FakeShipment {
  shipmentId: number;
  orderNumber: string;
  /** UTC instant; served as Pacific wall time as V1 does. */
  createdAt: string;
  shipDate: string;
  cost: number;
  carrierCode: string;
  serviceCode: string;
  trackingNumber: string;
  batchId: number;
  voided?: boolean;
  voidedAt?: string;
  isReturnLabel?: boolean;
}

/** Recipient data V1 puts in every shipment: nothing of it may reach QuestDB or a log. */
export const SS_PII = {
  name: "Ada Recipient-Lovelace",
  street1: "12 Secret Garden Lane",
  phone: "+1-555-0100-777",
  email: "ada.recipient@example.net",
};

export function pacificWallTime(iso: string, fraction = true): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: "America/Los_Angeles",
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  const text = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  return fraction ? `${text}.0000000` : text;
}

export class FakeShipStation {
  readonly apiKey = "ss-key-0123";
  readonly apiSecret = "ss-secret-4567";
  readonly shipments: FakeShipment[] = [];
  readonly requests: { path: string; status: number }[] = [];
  limit = 40;
  windowMs = 60_000;
  pageSize = 100;
  private windowStart = Date.now();
  private used = 0;
  private throttled = 0;
  private server!: Server;
  apiUrl = "";

  static async start(): Promise<FakeShipStation> {
    const fake = new FakeShipStation();
    fake.server = createServer((req, res) => fake.serve(req, res));
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    fake.apiUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** The next `n` requests get 429, as when another app spends the shared quota. */
  throttleNext(n: number): void {
    this.throttled = n;
  }

  /** Posts SHIP_NOTIFY for a batch, as ShipStation does when labels are bought. */
  async notify(targetUrl: string, batchId: number, resourceType = "SHIP_NOTIFY"): Promise<Response> {
    return fetch(targetUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        resource_url: `${this.apiUrl}/shipments?batchId=${batchId}&includeShipmentItems=False`,
        resource_type: resourceType,
      }),
    });
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", this.apiUrl);
    const answer = (status: number, body: unknown) => {
      this.requests.push({ path: url.pathname + url.search, status });
      res.writeHead(status, { "content-type": "application/json", ...this.quotaHeaders() });
      res.end(JSON.stringify(body));
    };
    const expected = `Basic ${Buffer.from(`${this.apiKey}:${this.apiSecret}`).toString("base64")}`;
    if (req.headers.authorization !== expected) return answer(401, { Message: "Unauthorized" });
    if (!this.spend()) return answer(429, { message: "Too Many Requests" });
    if (req.method !== "GET" || url.pathname !== "/shipments") return answer(404, { Message: "Not Found" });
    answer(200, this.list(url.searchParams));
  }

  private spend(): boolean {
    if (Date.now() - this.windowStart >= this.windowMs) {
      this.windowStart = Date.now();
      this.used = 0;
    }
    if (this.throttled > 0) {
      this.throttled--;
      return false;
    }
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }

  private quotaHeaders(): Record<string, string> {
    const reset = Math.max(0, Math.ceil((this.windowStart + this.windowMs - Date.now()) / 1000));
    return {
      "x-rate-limit-limit": String(this.limit),
      "x-rate-limit-remaining": String(Math.max(0, this.limit - this.used)),
      "x-rate-limit-reset": String(reset),
    };
  }

  private list(query: URLSearchParams) {
    const batchId = query.get("batchId");
    const since = query.get("createDateStart");
    let matching = this.shipments.filter((s) => batchId === null || String(s.batchId) === batchId);
    // V1 compares Pacific wall times; the strings sort as times do.
    if (since)
      matching = matching.filter((s) => pacificWallTime(s.createdAt, false) >= since.replace(" ", "T"));
    const pageSize = Math.min(Number(query.get("pageSize") ?? this.pageSize), 500);
    const page = Math.max(1, Number(query.get("page") ?? 1));
    const pages = Math.ceil(matching.length / pageSize);
    return {
      shipments: matching.slice((page - 1) * pageSize, page * pageSize).map((s) => this.render(s)),
      total: matching.length,
      page,
      pages,
    };
  }

  private render(s: FakeShipment) {
    return {
      shipmentId: s.shipmentId,
      orderId: s.shipmentId * 10,
      orderKey: `key-${s.orderNumber}`,
      userId: "00000000-0000-0000-0000-000000000000",
      customerEmail: SS_PII.email,
      orderNumber: s.orderNumber,
      createDate: pacificWallTime(s.createdAt),
      shipDate: s.shipDate,
      shipmentCost: s.cost,
      insuranceCost: 0,
      trackingNumber: s.trackingNumber,
      isReturnLabel: s.isReturnLabel ?? false,
      batchNumber: String(s.batchId),
      carrierCode: s.carrierCode,
      serviceCode: s.serviceCode,
      packageCode: "package",
      confirmation: "none",
      warehouseId: 1,
      voided: s.voided ?? false,
      voidDate: s.voided && s.voidedAt ? pacificWallTime(s.voidedAt) : null,
      marketplaceNotified: true,
      notifyErrorMessage: null,
      shipTo: {
        name: SS_PII.name,
        company: null,
        street1: SS_PII.street1,
        city: "Springfield",
        state: "OR",
        postalCode: "97477",
        country: "US",
        phone: SS_PII.phone,
        residential: true,
      },
      weight: { value: 12, units: "ounces" },
      dimensions: null,
      insuranceOptions: { provider: null, insureShipment: false, insuredValue: 0 },
      advancedOptions: { storeId: 7 },
      shipmentItems: null,
      labelData: null,
      formData: null,
    };
  }
}
