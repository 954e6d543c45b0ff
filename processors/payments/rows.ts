import type { Sender } from "@questdb/nodejs-client";
import type { PaymentEvent } from "../../core/events.ts";
import { toMicros } from "../../core/questdb.ts";

/** A `payments` row: a capture's state (entry "") or one refund increment (entry names it). */
export async function writePaymentRow(
  sender: Sender,
  event: PaymentEvent,
  entry: string,
  amountMinor: number,
): Promise<void> {
  const p = event.payment;
  const row = sender
    .table("payments")
    .symbol("processor", p.processor)
    .symbol("shop", event.shop)
    .symbol("kind", p.kind)
    .symbol("currency", p.currency)
    .symbol("status", p.status);
  if (p.orderRef?.site) row.symbol("order_site", p.orderRef.site);
  row
    .stringColumn("object_id", p.objectId)
    .stringColumn("entry", entry)
    .intColumn("amount_minor", amountMinor);
  if (p.paymentId) row.stringColumn("payment_id", p.paymentId);
  if (p.feeMinor !== null) row.intColumn("fee_minor", p.feeMinor);
  if (p.netMinor !== null) row.intColumn("net_minor", p.netMinor);
  if (p.cumulativeMinor !== null) row.intColumn("cumulative_minor", p.cumulativeMinor);
  if (p.orderRef) row.stringColumn("order_ref", p.orderRef.orderId);
  await row
    .timestampColumn("updated_at", toMicros(p.updatedAt), "us")
    .timestampColumn("received_at", toMicros(event.receivedAt), "us")
    .at(toMicros(p.at), "us");
}

export async function writeDisputeRow(sender: Sender, event: PaymentEvent): Promise<void> {
  const p = event.payment;
  const row = sender
    .table("disputes")
    .symbol("processor", p.processor)
    .symbol("shop", event.shop)
    .symbol("outcome", p.kind)
    .symbol("status", p.status)
    .symbol("currency", p.currency)
    .stringColumn("dispute_id", p.objectId);
  if (p.paymentId) row.stringColumn("payment_id", p.paymentId);
  await row
    .booleanColumn("open", p.kind === "disputed")
    .intColumn("amount_minor", p.amountMinor)
    .timestampColumn("updated_at", toMicros(p.updatedAt), "us")
    .timestampColumn("received_at", toMicros(event.receivedAt), "us")
    .at(toMicros(p.at), "us");
}

export async function writePayoutRow(sender: Sender, event: PaymentEvent): Promise<void> {
  const p = event.payment;
  await sender
    .table("payouts")
    .symbol("processor", p.processor)
    .symbol("shop", event.shop)
    .symbol("status", p.status)
    .symbol("currency", p.currency)
    .stringColumn("payout_id", p.objectId)
    .booleanColumn("failed", p.kind === "payout_failed")
    .intColumn("amount_minor", p.amountMinor)
    .timestampColumn("updated_at", toMicros(p.updatedAt), "us")
    .timestampColumn("received_at", toMicros(event.receivedAt), "us")
    .at(toMicros(p.at), "us");
}
