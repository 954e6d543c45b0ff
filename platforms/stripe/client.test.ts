import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import { KeysRefused } from "../adapter.ts";
import { FakeStripeApi } from "../../test/fakes/stripe/api.ts";
import { StripeApiError, StripeClient } from "./client.ts";

let fake: FakeStripeApi;
const log = createLogger("stripe-client-test", "silent");
beforeAll(async () => {
  fake = await FakeStripeApi.start();
});
afterAll(() => fake.stop());

const clientWith = (apiKey: string, waits: number[], maxAttempts = 6) =>
  new StripeClient({
    apiUrl: fake.url,
    apiKey,
    log,
    maxAttempts,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });

describe("StripeClient", () => {
  it("backs off on Stripe's 429 (no Retry-After) with growing waits, then reads the object", async () => {
    fake.addTransaction({
      id: "txn_1",
      amount: 2599,
      fee: 105,
      net: 2494,
      currency: "usd",
      created: 1_764_000_000,
      source: "ch_1",
      status: "pending",
    });
    fake.throttle(3);
    const waits: number[] = [];
    const client = clientWith(fake.apiKey, waits);
    const body = await client.get("/v1/balance_transactions/txn_1");
    expect(body).toMatchObject({ id: "txn_1", fee: 105, net: 2494 });
    expect(client.throttled).toBe(3);
    // Ceilings 500, 1000, 2000 ms; each wait is between half the ceiling and all of it.
    expect(waits).toHaveLength(3);
    [500, 1000, 2000].forEach((ceiling, i) => {
      expect(waits[i]).toBeGreaterThanOrEqual(ceiling / 2);
      expect(waits[i]).toBeLessThanOrEqual(ceiling);
    });
  });

  it("gives up after its attempts with a typed error the caller can retry later", async () => {
    fake.throttle(10);
    const attempt = clientWith(fake.apiKey, [], 2).get("/v1/balance_transactions/txn_1");
    await expect(attempt).rejects.toBeInstanceOf(StripeApiError);
    await expect(attempt).rejects.toMatchObject({ status: 429, type: "invalid_request_error" });
    fake.throttle(0);
  });

  it("answers null for an object Stripe no longer has, and KeysRefused for a bad key", async () => {
    expect(await clientWith(fake.apiKey, []).get("/v1/balance_transactions/txn_gone")).toBeNull();
    await expect(clientWith("sk_test_wrongwrongwrong", []).get("/v1/events")).rejects.toBeInstanceOf(
      KeysRefused,
    );
  });
});
