import { sqlString, type QuestDb } from "../core/questdb.ts";

/** Where an object's newest stored state is: the table, its id column, and rows of which kind. */
export interface ObjectTable {
  table: string;
  idColumn: string;
  /** The columns naming whose object it is, when not `processor` and `shop` (shipments: `shipper`, `account`). */
  scope?: readonly [source: string, account: string];
  /** Only `payments` mixes kinds; its captures carry the state worth guarding. */
  kind?: string;
}

export interface ObjectState {
  processor: string;
  shop: string;
  objectId: string;
  updatedAt: string;
}

const keyOf = (t: ObjectTable, s: ObjectState) =>
  `${t.table}\u0000${t.kind ?? ""}\u0000${s.processor}\u0000${s.shop}\u0000${s.objectId}`;

/**
 * The newest `updated_at` written per object of a payment processor or shipper, so a state delivered
 * late (Stripe and PayPal retry for days and reorder; a label replayed after its void) never
 * overwrites a newer one. Remembered in memory, looked up in
 * QuestDB on a miss so the check survives a restart.
 */
export class ObjectVersions {
  private readonly known = new Map<string, number>();
  private readonly db: QuestDb;
  private readonly capacity: number;

  constructor(db: QuestDb, capacity = 100_000) {
    this.db = db;
    this.capacity = capacity;
  }

  /** Of `states` (one table), the newest per object, and only where it is not older than what is stored. */
  async fresh<T extends ObjectState>(table: ObjectTable, states: T[]): Promise<T[]> {
    const newest = new Map<string, T>();
    for (const state of states) {
      const seen = newest.get(keyOf(table, state));
      if (!seen || Date.parse(state.updatedAt) >= Date.parse(seen.updatedAt))
        newest.set(keyOf(table, state), state);
    }
    await this.load(
      table,
      [...newest.values()].filter((s) => !this.known.has(keyOf(table, s))),
    );
    return [...newest.values()].filter((s) => {
      const stored = this.known.get(keyOf(table, s));
      return stored === undefined || stored <= Date.parse(s.updatedAt);
    });
  }

  /** Call once QuestDB accepted the rows. */
  remember(table: ObjectTable, states: ObjectState[]): void {
    for (const state of states) {
      const key = keyOf(table, state);
      this.known.delete(key);
      this.known.set(key, Date.parse(state.updatedAt));
    }
    for (const key of this.known.keys()) {
      if (this.known.size <= this.capacity) break;
      this.known.delete(key);
    }
  }

  private async load(table: ObjectTable, missing: ObjectState[]): Promise<void> {
    for (let i = 0; i < missing.length; i += 200) {
      const chunk = missing.slice(i, i + 200);
      const byScope = Map.groupBy(chunk, (s) => `${s.processor}\u0000${s.shop}`);
      for (const group of byScope.values()) {
        const first = group[0]!;
        const [sourceColumn, accountColumn] = table.scope ?? ["processor", "shop"];
        const rows = await this.db.exec<[string, string]>(
          `SELECT ${table.idColumn}, max(updated_at) FROM ${table.table}
           WHERE ${sourceColumn} = ${sqlString(first.processor)} AND ${accountColumn} = ${sqlString(first.shop)}
             ${table.kind ? `AND kind = ${sqlString(table.kind)}` : ""}
             AND ${table.idColumn} IN (${group.map((s) => sqlString(s.objectId)).join(",")})`,
        );
        for (const [objectId, updatedAt] of rows.dataset) {
          this.remember(table, [{ ...first, objectId, updatedAt }]);
        }
      }
    }
  }
}
