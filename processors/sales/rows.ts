import type { Sender } from "@questdb/nodejs-client";
import { toMicros } from "../../core/questdb.ts";
import type { SalesFact } from "./facts.ts";
import type { SalesWindow } from "./windows.ts";

/** One `sales_facts` row, upserted by its key (ts, platform, shop, kind, id). */
export async function writeFact(sender: Sender, fact: SalesFact): Promise<void> {
  const row = sender
    .table("sales_facts")
    .symbol("platform", fact.platform)
    .symbol("shop", fact.shop)
    .symbol("kind", fact.kind)
    .symbol("currency", fact.currency)
    .stringColumn("id", fact.id);
  if (fact.orderId) row.stringColumn("order_id", fact.orderId);
  await row
    .intColumn("amount_minor", fact.amountMinor)
    .intColumn("items", fact.items)
    .booleanColumn("test", fact.test)
    .timestampColumn("updated_at", toMicros(fact.updatedAt), "us")
    .at(toMicros(fact.at), "us");
}

/** One shop's `sales_1m` row of one minute, replacing the minute's earlier row. */
export async function writeWindow(
  sender: Sender,
  platform: string,
  shop: string,
  currency: string,
  w: SalesWindow,
): Promise<void> {
  await sender
    .table("sales_1m")
    .symbol("platform", platform)
    .symbol("shop", shop)
    .symbol("currency", currency)
    .intColumn("orders_created", w.ordersCreated)
    .intColumn("gross_minor", w.grossMinor)
    .intColumn("orders_cancelled", w.ordersCancelled)
    .intColumn("cancelled_minor", w.cancelledMinor)
    .intColumn("orders", w.orders)
    .intColumn("revenue_minor", w.revenueMinor)
    .intColumn("refunds", w.refunds)
    .intColumn("refunds_minor", w.refundsMinor)
    .intColumn("net_minor", w.netMinor)
    .intColumn("items", w.items)
    .intColumn("checkouts", w.checkouts)
    .timestampColumn("computed_at", BigInt(Date.now()) * 1000n, "us")
    .at(BigInt(w.minute) * 1000n, "us");
}
