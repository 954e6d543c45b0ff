import { z } from "zod";

const tableName = z.string().regex(/^[a-z][a-z0-9_]*$/, "a QuestDB table name in lower case");

/**
 * A QuestDB table that holds rows of one shop beside others (columns `platform` and `shop`), declared
 * by the module that creates it so `shop/redact` finds every one without a list kept elsewhere.
 * Redaction rewrites whole partitions, so it needs the designated timestamp and the partitioning.
 */
export const ShopTable = z.object({
  table: tableName,
  /** The designated timestamp: partition names are this column's value at the partitioning's unit. */
  ts: z.string().regex(/^[a-z][a-z0-9_]*$/),
  by: z.enum(["DAY", "MONTH", "YEAR"]),
  /**
   * For a table with `site` and `shop` but no `platform` column: the declared table whose rows pair
   * each site with its platform and shop. The shop's rows are then its name on one of its sites;
   * the name alone could also be another platform's shop (nothing makes the platforms' names disjoint).
   */
  sitesFrom: tableName.optional(),
});
export type ShopTable = z.infer<typeof ShopTable>;

/** Checks a module's declarations where they are made, so a typo fails at import, not mid-redaction. */
export const shopTables = (tables: ShopTable[]): readonly ShopTable[] =>
  Object.freeze(tables.map((t) => ShopTable.parse(t)));
