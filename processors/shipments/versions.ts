import { sqlString, type QuestDb } from "../../core/questdb.ts";

type Key = { shipper: string; account: string; shipmentId: string };
const keyOf = (k: Key) => `${k.shipper}\u0000${k.account}\u0000${k.shipmentId}`;

/**
 * The newest `updated_at` written per shipment, so a live state delivered after its void never
 * un-voids it. Recent shipments are remembered (bounded); others are asked of QuestDB once, which
 * keeps the rule across restarts. Shipments are few next to orders, so an id list per batch is cheap.
 */
export class ShipmentVersions {
  private readonly known = new Map<string, number>();
  private readonly db: QuestDb;
  private readonly capacity: number;

  constructor(db: QuestDb, capacity = 100_000) {
    this.db = db;
    this.capacity = capacity;
  }

  /** The newest of each shipment in `items` that is not older than what is stored. */
  async fresh<T extends Key & { updatedAt: string }>(items: T[]): Promise<T[]> {
    const newest = new Map<string, T>();
    for (const item of items) {
      const seen = newest.get(keyOf(item));
      if (!seen || Date.parse(item.updatedAt) >= Date.parse(seen.updatedAt)) newest.set(keyOf(item), item);
    }
    await this.load([...newest.values()].filter((item) => !this.known.has(keyOf(item))));
    return [...newest.values()].filter((item) => {
      const stored = this.known.get(keyOf(item));
      return stored === undefined || stored <= Date.parse(item.updatedAt);
    });
  }

  /** Call once QuestDB accepted the rows. */
  remember(items: (Key & { updatedAt: string })[]): void {
    for (const item of items) {
      this.known.delete(keyOf(item));
      this.known.set(keyOf(item), Date.parse(item.updatedAt));
    }
    for (const key of this.known.keys()) {
      if (this.known.size <= this.capacity) break;
      this.known.delete(key);
    }
  }

  private async load(missing: Key[]): Promise<void> {
    for (let i = 0; i < missing.length; i += 200) {
      const chunk = missing.slice(i, i + 200);
      const ids = chunk.map((k) => sqlString(k.shipmentId)).join(", ");
      const scopes = [
        ...new Set(
          chunk.map((k) => `(shipper = ${sqlString(k.shipper)} AND account = ${sqlString(k.account)})`),
        ),
      ];
      const rows = await this.db.rows<{
        shipper: string;
        account: string;
        shipment_id: string;
        updated_at: string;
      }>(
        `SELECT shipper, account, shipment_id, max(updated_at) updated_at FROM shipments
         WHERE (${scopes.join(" OR ")}) AND shipment_id IN (${ids})`,
      );
      for (const row of rows)
        this.known.set(
          keyOf({ shipper: row.shipper, account: row.account, shipmentId: row.shipment_id }),
          Date.parse(row.updated_at),
        );
    }
  }
}
