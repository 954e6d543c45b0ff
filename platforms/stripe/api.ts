import { z } from "zod";
import type { CanonicalEvent, RefEvent } from "../../core/events.ts";
import type { Logger } from "../../core/log.ts";
import { InvalidPayload, RefRefused, type PlatformApi, type PlatformApiModule } from "../adapter.ts";
import { paymentEvent } from "../payment-event.ts";
import { StripeClient } from "./client.ts";
import { stripeEventOptions, stripeSharedEnv } from "./env.ts";
import { stripeEvents, type StripeEventOptions } from "./events.ts";
import { PLATFORM, STRIPE_TYPES, stripeFee } from "./normalise.ts";
import { StripeBalanceTransaction, StripeEvent, StripeEventPage } from "./payload.ts";

/** Stripe keeps events for 30 days: a catch-up never asks for older ones. */
const EVENTS_KEPT_MS = 30 * 24 * 60 * 60 * 1000;
/** 100 events a page (Stripe's maximum); 500 pages bound one round at 50,000 events. */
const PAGE_SIZE = 100;
const MAX_PAGES = 500;

const apiEnv = z.object({
  /** A secret key or, better, a restricted key with read access to balance transactions and events. */
  STRIPE_API_KEY: z
    .string()
    .regex(
      /^(sk|rk)_(test|live)_[A-Za-z0-9]{8,}$/,
      "STRIPE_API_KEY must be a secret (sk_…) or restricted (rk_…) key",
    ),
  STRIPE_API_URL: z.url("STRIPE_API_URL must be a URL").default("https://api.stripe.com"),
  ...stripeSharedEnv,
});
export type StripeApiEnv = z.infer<typeof apiEnv>;

/**
 * Stripe's API off the webhook path: a capture's balance transaction becomes its fee row, and the
 * catch-up re-reads `GET /v1/events` since its last round (the same event ids as the webhooks, so
 * what was delivered already is stored once).
 */
export function createStripeApi(config: StripeApiEnv, log: Logger, client?: StripeClient): PlatformApi {
  const stripe =
    client ?? new StripeClient({ apiUrl: config.STRIPE_API_URL, apiKey: config.STRIPE_API_KEY, log });
  const options = stripeEventOptions(config, true);
  return {
    platform: PLATFORM,
    shop: config.STRIPE_ACCOUNT_NAME,
    resolve: (ref) => feeOf(stripe, ref),
    ordersModifiedSince: (since, receivedAt) => eventsSince(stripe, since, receivedAt, options, log),
    // Stripe disables a failing endpoint only after days and by e-mail; re-enabling it is the owner's call.
    reactivateHooks: async () => 0,
  };
}

async function feeOf(stripe: StripeClient, ref: RefEvent): Promise<CanonicalEvent[]> {
  if (ref.ref.resource !== "balance_transaction")
    throw new RefRefused(`stripe resolves balance transactions only, not ${ref.ref.resource}`);
  const body = await stripe.get(`/v1/balance_transactions/${encodeURIComponent(ref.ref.id)}`);
  if (body === null) return [];
  const txn = StripeBalanceTransaction.parse(body);
  const fee = stripeFee(txn, ref.receivedAt);
  // Not the ref's id (`fee:<txn>`): both live in EVENTS, whose dedupe would drop the second.
  return [paymentEvent(ref.shop, `txn:${txn.id}:${txn.status}`, fee, ref.receivedAt)];
}

/** Every handled event created at or after `since` (at most 30 days back), a page at a time, newest first. */
async function* eventsSince(
  stripe: StripeClient,
  since: Date,
  receivedAt: string,
  options: StripeEventOptions,
  log: Logger,
): AsyncIterable<CanonicalEvent[]> {
  const from = Math.max(since.getTime(), Date.now() - EVENTS_KEPT_MS);
  const query: [string, string][] = [
    ["created[gte]", String(Math.floor(from / 1000))],
    ["limit", String(PAGE_SIZE)],
    ...STRIPE_TYPES.map((type): [string, string] => ["types[]", type]),
  ];
  let after: string | undefined;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const body = StripeEventPage.parse(
      await stripe.get("/v1/events", after ? [...query, ["starting_after", after]] : query),
    );
    const events: CanonicalEvent[] = [];
    for (const item of body.data) events.push(...normalised(item, options, receivedAt, log));
    yield events;
    const last = body.data.at(-1) as { id?: unknown } | undefined;
    if (!body.has_more || typeof last?.id !== "string") return;
    after = last.id;
  }
  log.warn({ platform: PLATFORM, pages: MAX_PAGES }, "Stripe catch-up cut at its page budget");
}

/** One listed event as canonical events; one Stripe cannot be read is logged and skipped, not fatal. */
function normalised(item: unknown, options: StripeEventOptions, receivedAt: string, log: Logger) {
  const parsed = StripeEvent.safeParse(item);
  if (!parsed.success) {
    log.warn(
      { platform: PLATFORM, issue: parsed.error.issues[0]?.message },
      "Stripe catch-up: event skipped",
    );
    return [];
  }
  try {
    return stripeEvents(parsed.data, options, receivedAt) ?? [];
  } catch (err) {
    if (!(err instanceof InvalidPayload)) throw err;
    log.warn(
      { platform: PLATFORM, event: parsed.data.id, err: err.message },
      "Stripe catch-up: event skipped",
    );
    return [];
  }
}

export const stripeApi: PlatformApiModule<typeof apiEnv> = {
  env: apiEnv,
  configuredBy: ["STRIPE_API_KEY"],
  create: (config, shared) => createStripeApi(config, shared.log),
};
