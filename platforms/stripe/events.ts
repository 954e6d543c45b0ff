import { EVENT_VERSION, type CanonicalEvent, type RefEvent } from "../../core/events.ts";
import { InvalidPayload } from "../adapter.ts";
import { paymentEvent } from "../payment-event.ts";
import { UnrepresentableAmount } from "./amounts.ts";
import { PLATFORM, stripePayment, stripeTopicHandled, type OrderRefKeys } from "./normalise.ts";
import { StripeCharge, type StripeEvent } from "./payload.ts";

export interface StripeEventOptions {
  keys: OrderRefKeys;
  /** The `shop` of the account's own rows (STRIPE_ACCOUNT_NAME). */
  accountName: string;
  /** STRIPE_API_KEY is set: the fetchers can read balance transactions, so ask them to. */
  fetchFees: boolean;
}

const BalanceTransactionOf = StripeCharge.pick({ balance_transaction: true });

/**
 * The canonical events one Stripe event becomes, whether it came by webhook or by the catch-up's
 * `GET /v1/events` (the same event id either way, so JetStream and the upserts store it once): its
 * payment state, and for a capture a reference to its balance transaction, which the fetchers turn
 * into the charge's fee and net off the webhook path.
 */
export function stripeEvents(event: StripeEvent, options: StripeEventOptions, receivedAt: string) {
  if (!stripeTopicHandled(event.type)) return null;
  let payment;
  try {
    payment = stripePayment(event, options.keys);
  } catch (err) {
    if (err instanceof UnrepresentableAmount) throw new InvalidPayload(err.message, "data.object.amount");
    throw err;
  }
  if (!payment) return null;
  const shop = event.account ?? options.accountName;
  const events: CanonicalEvent[] = [paymentEvent(shop, event.id, payment, receivedAt)];
  // Connected accounts' transactions need their own Stripe-Account header: only our account's are read.
  if (options.fetchFees && payment.kind === "captured" && !event.account) {
    const txn = BalanceTransactionOf.parse(event.data.object).balance_transaction;
    if (txn) events.push(feeRef(shop, txn, event, receivedAt));
  }
  return events;
}

function feeRef(shop: string, txn: string, event: StripeEvent, receivedAt: string): RefEvent {
  return {
    v: EVENT_VERSION,
    platform: PLATFORM,
    shop,
    type: "ref",
    // One fetch per transaction, however many events name its charge.
    eventId: `fee:${txn}`,
    receivedAt,
    ref: {
      resource: "balance_transaction",
      id: txn,
      action: event.type,
      observedAt: new Date(event.created * 1000).toISOString(),
    },
  };
}
