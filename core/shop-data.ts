import { z } from "zod";

/**
 * A QuestDB table that holds rows of one shop beside others (columns `platform` and `shop`), declared
 * by the module that creates it so `shop/redact` finds every one without a list kept elsewhere.
 * Redaction rewrites whole partitions, so it needs the designated timestamp and the partitioning.
 */
export const ShopTable = z.object({
  table: z.string().regex(/^[a-z][a-z0-9_]*$/, "a QuestDB table name in lower case"),
  /** The designated timestamp: partition names are this column's value at the partitioning's unit. */
  ts: z.string().regex(/^[a-z][a-z0-9_]*$/),
  by: z.enum(["DAY", "MONTH", "YEAR"]),
});
export type ShopTable = z.infer<typeof ShopTable>;

/** Checks a module's declarations where they are made, so a typo fails at import, not mid-redaction. */
export const shopTables = (tables: ShopTable[]): readonly ShopTable[] =>
  Object.freeze(tables.map((t) => ShopTable.parse(t)));
