import { expect } from "vitest";
import { sqlString, type QuestDb } from "../../core/questdb.ts";
import { eventually } from "./eventually.ts";

/**
 * Waits until `webhook_receipts` holds, for each shop named, a webhook received at or after the
 * time given: the processors write receipts on a timer (processors/receipts), after the batch.
 */
export async function receiptsWritten(db: QuestDb, since: ReadonlyMap<string, number>): Promise<void> {
  await eventually(
    async () => {
      const rows = await db.rows<{ shop: string; last_at: string }>(
        `SELECT shop, last_at FROM webhook_receipts WHERE shop IN (${[...since.keys()].map(sqlString).join(",")})`,
      );
      for (const [shop, from] of since) {
        const written = rows.find((row) => row.shop === shop)?.last_at;
        expect(Date.parse(written ?? ""), shop).toBeGreaterThanOrEqual(from);
      }
    },
    { timeoutMs: 30_000 },
  );
}
