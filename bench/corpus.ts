import { shopifyWebhookHeaders } from "../platforms/shopify/webhook-headers.ts";
import { buildCatalogue } from "../demo/catalogue.ts";
import { orderPayload, type OrderSpec } from "../platforms/shopify/demo/payloads.ts";

/**
 * The benchmark's webhooks: the demo store's orders/create payload (a real store's ≈ 9 KB, two
 * lines, full customer and address blocks), made unique per request — order id, line ids, event id,
 * creation time — and signed as Shopify signs. The JSON is rendered once into a template, so making
 * a request costs a string join and an HMAC, not a serialisation: the load generator shares the
 * machine with the pipeline and must stay cheap.
 */

export const BENCH_SECRET = "bench-shopify-secret-0123456789abcdef";
export const BENCH_HASH_KEY = "bench-customer-hash-key-0123456789abcdef";

const ORDER_MARK = 900_000_000_000_001;
const LINE_MARKS = [900_000_000_000_011, 900_000_000_000_021];
const TIME_MARK = "2000-01-01T00:00:00-00:00";

export interface BenchWebhook {
  orderId: string;
  body: string;
  headers: Record<string, string>;
}

export class OrderWebhooks {
  readonly shop: string;
  readonly bytes: number;
  private readonly parts: string[];
  private readonly slots: ("order" | "line0" | "line1" | "time")[];
  private readonly secret: string;
  private readonly idBase: number;
  private n = 0;

  /** `idBase` keeps ids of separate runs against one database apart. */
  constructor(shop: string, idBase: number, secret = BENCH_SECRET) {
    this.shop = shop;
    this.secret = secret;
    this.idBase = idBase;
    const catalogue = buildCatalogue(1, 1);
    const spec: OrderSpec = {
      orderId: ORDER_MARK,
      orderNumber: 1001,
      checkoutId: 30_000_000_000_001,
      createdAt: 0,
      updatedAt: 0,
      cancelledAt: null,
      financialStatus: "paid",
      lines: [
        { lineId: LINE_MARKS[0]!, product: catalogue[0]!, quantity: 2, discountCents: 0 },
        { lineId: LINE_MARKS[1]!, product: catalogue[3]!, quantity: 1, discountCents: 0 },
      ],
      discountCode: null,
      discountCents: 0,
      shippingCents: 599,
      taxCents: 712,
      shopper: {
        id: 7_200_000_123_456,
        firstName: "Avery",
        lastName: "Nguyen",
        email: "avery.nguyen.23456@example.com",
        city: "Brooklyn",
        province: "New York",
        provinceCode: "NY",
        zip: "11201",
        ordersCount: 2,
      },
      refunds: [],
    };
    const payload = orderPayload(spec, {
      shop,
      currency: "USD",
      timeZone: "America/New_York",
      locationId: 65_000_000_042,
    });
    for (const key of ["created_at", "updated_at", "processed_at"]) payload[key] = TIME_MARK;
    const json = JSON.stringify(payload);
    const pattern = new RegExp(`(${ORDER_MARK}|${LINE_MARKS[0]}|${LINE_MARKS[1]}|"${TIME_MARK}")`);
    const pieces = json.split(pattern);
    this.parts = [];
    this.slots = [];
    for (let i = 0; i < pieces.length; i++) {
      if (i % 2 === 0) this.parts.push(pieces[i]!);
      else {
        const mark = pieces[i]!;
        this.slots.push(
          mark === String(ORDER_MARK)
            ? "order"
            : mark === String(LINE_MARKS[0])
              ? "line0"
              : mark === String(LINE_MARKS[1])
                ? "line1"
                : "time",
        );
      }
    }
    this.bytes = json.length;
  }

  /** The next unique order, created now. */
  next(now = Date.now()): BenchWebhook {
    const seq = this.idBase + ++this.n;
    const orderId = String(6_000_000_000_000 + seq);
    const values = {
      order: orderId,
      line0: String(16_000_000_000_000 + seq * 10),
      line1: String(16_000_000_000_000 + seq * 10 + 1),
      time: `"${new Date(now).toISOString().slice(0, 19)}Z"`,
    };
    let body = this.parts[0]!;
    for (let i = 0; i < this.slots.length; i++) body += values[this.slots[i]!] + this.parts[i + 1]!;
    return {
      orderId,
      body,
      headers: shopifyWebhookHeaders(
        this.secret,
        {
          topic: "orders/create",
          shop: this.shop,
          webhookId: `bench-${seq}`,
          eventId: `bench-${this.shop}-${seq}`,
          triggeredAt: new Date(now).toISOString(),
        },
        body,
      ),
    };
  }
}
