import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";

/**
 * A stand-in for the parts of Stripe's REST API MetricsDash reads, built from Stripe's API reference:
 * Bearer auth with a secret key (401 `authentication_error` otherwise); errors as
 * `{"error": {"type", "code", "message"}}`; `GET /v1/balance_transactions/:id` (404
 * `resource_missing`); `GET /v1/events` newest first, filtered by `created[gte]` and `types[]`,
 * paged by `limit` (1–100, default 10) and `starting_after` with `has_more`. Stripe's rate limiter
 * answers 429 with code `rate_limit` and no `Retry-After`; `throttle(n)` makes the next n requests so.
 */

export interface FakeBalanceTransaction {
  id: string;
  amount: number;
  fee: number;
  net: number;
  currency: string;
  created: number;
  source: string;
  status: "pending" | "available";
}

interface StoredEvent {
  id: string;
  created: number;
  type: string;
  body: object;
}

export class FakeStripeApi {
  readonly apiKey = `sk_test_${randomBytes(12).toString("hex")}`;
  readonly transactions = new Map<string, FakeBalanceTransaction>();
  readonly events: StoredEvent[] = [];
  /** Every request, in order: path with query, and what it was answered. */
  readonly requests: { path: string; query: URLSearchParams; status: number }[] = [];
  private throttleLeft = 0;
  private server!: Server;
  url = "";

  static async start(): Promise<FakeStripeApi> {
    const fake = new FakeStripeApi();
    fake.server = createServer((req, res) => fake.serve(req, res));
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The next `count` requests get Stripe's rate-limit 429. */
  throttle(count: number): void {
    this.throttleLeft = count;
  }

  /** A balance transaction as Stripe books a card charge: gross, fee and what the account nets. */
  addTransaction(txn: FakeBalanceTransaction): void {
    this.transactions.set(txn.id, txn);
  }

  /** An event as `GET /v1/events` lists it (the same object a webhook carries). */
  addEvent(body: { id: string; created: number; type: string }): void {
    this.events.push({ id: body.id, created: body.created, type: body.type, body });
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://fake");
    const answer = (status: number, body: object) => {
      this.requests.push({ path: url.pathname, query: url.searchParams, status });
      res.writeHead(status, {
        "content-type": "application/json",
        "request-id": `req_${randomBytes(6).toString("hex")}`,
      });
      res.end(JSON.stringify(body, null, 2));
    };
    if (req.headers.authorization !== `Bearer ${this.apiKey}`)
      return answer(401, stripeError("authentication_error", undefined, "Invalid API Key provided"));
    if (this.throttleLeft > 0) {
      this.throttleLeft--;
      return answer(429, stripeError("invalid_request_error", "rate_limit", "Too many requests"));
    }
    if (req.method !== "GET") return answer(405, stripeError("invalid_request_error", undefined, "GET only"));
    const txnPath = /^\/v1\/balance_transactions\/([^/]+)$/.exec(url.pathname);
    if (txnPath) return this.transaction(decodeURIComponent(txnPath[1]!), answer);
    if (url.pathname === "/v1/events") return answer(200, this.list(url.searchParams));
    answer(
      404,
      stripeError("invalid_request_error", undefined, `Unrecognized request URL (GET: ${url.pathname})`),
    );
  }

  private transaction(id: string, answer: (status: number, body: object) => void): void {
    const txn = this.transactions.get(id);
    if (!txn)
      return answer(
        404,
        stripeError("invalid_request_error", "resource_missing", `No such balance transaction: '${id}'`),
      );
    answer(200, {
      id: txn.id,
      object: "balance_transaction",
      amount: txn.amount,
      available_on: txn.created + 2 * 86_400,
      created: txn.created,
      currency: txn.currency,
      description: null,
      exchange_rate: null,
      fee: txn.fee,
      fee_details: [
        {
          amount: txn.fee,
          application: null,
          currency: txn.currency,
          description: "Stripe processing fees",
          type: "stripe_fee",
        },
      ],
      net: txn.net,
      reporting_category: "charge",
      source: txn.source,
      status: txn.status,
      type: "charge",
    });
  }

  private list(query: URLSearchParams): object {
    const gte = query.has("created[gte]") ? Number(query.get("created[gte]")) : -Infinity;
    const types = query.getAll("types[]");
    const limit = Math.min(100, Math.max(1, Number(query.get("limit") ?? 10)));
    const matching = this.events
      .filter((e) => e.created >= gte && (!types.length || types.includes(e.type)))
      // Newest first, as Stripe lists; ties in a stable order so pages don't overlap.
      .toSorted((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
    const after = query.get("starting_after");
    const start = after ? matching.findIndex((e) => e.id === after) + 1 : 0;
    const page = matching.slice(start, start + limit);
    return {
      object: "list",
      data: page.map((e) => e.body),
      has_more: start + limit < matching.length,
      url: "/v1/events",
    };
  }
}

function stripeError(type: string, code: string | undefined, message: string) {
  return { error: { type, ...(code ? { code } : {}), message } };
}
