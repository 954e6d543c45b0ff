import { QuestDbError, type QuestDb } from "../core/questdb.ts";

/**
 * What the rule form offers in its pickers: the shops and SKUs QuestDB knows. Each comes from the
 * table that names it first (shops from the sales processor's `shops`, else orders; SKUs from the
 * latest forecasts); a table that is not there yet (processors not started) is reported by name, so
 * the page can say why a picker is empty instead of showing nothing.
 */
export interface Choices {
  shops: { platform: string; shop: string }[];
  skus: { platform: string; shop: string; sku: string }[];
  unavailable: { what: string; error: string }[];
}

/** Enough for a picker; a catalogue bigger than this is typed in (SKU patterns with `*`). */
export const MAX_CHOICES = 2000;

const SHOPS = `SELECT DISTINCT platform, shop FROM (
  SELECT platform, shop FROM shops UNION SELECT platform, shop FROM orders
) ORDER BY shop LIMIT ${MAX_CHOICES}`;
const SHOPS_FROM_ORDERS = `SELECT DISTINCT platform, shop FROM orders ORDER BY shop LIMIT ${MAX_CHOICES}`;
const SKUS = `SELECT platform, shop, sku FROM (
  SELECT platform, shop, sku, retired FROM stockout_forecast LATEST ON ts PARTITION BY platform, shop, sku
) WHERE retired = false ORDER BY sku, shop LIMIT ${MAX_CHOICES}`;

async function read<T>(
  what: string,
  run: () => Promise<T[]>,
  unavailable: Choices["unavailable"],
): Promise<T[]> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof QuestDbError)) throw err;
    unavailable.push({ what, error: err.message });
    return [];
  }
}

export async function loadChoices(db: QuestDb): Promise<Choices> {
  const unavailable: Choices["unavailable"] = [];
  const pairs = async (sql: string) =>
    (await db.exec<[string, string]>(sql)).dataset.map(([platform, shop]) => ({ platform, shop }));
  const shops = await read(
    "shops",
    // The shops table appears with the sales processor; orders alone still name every shop that sold.
    () =>
      pairs(SHOPS).catch((err: unknown) =>
        err instanceof QuestDbError ? pairs(SHOPS_FROM_ORDERS) : Promise.reject(err),
      ),
    unavailable,
  );
  const skus = await read(
    "skus",
    async () =>
      (await db.exec<[string, string, string]>(SKUS)).dataset.map(([platform, shop, sku]) => ({
        platform,
        shop,
        sku,
      })),
    unavailable,
  );
  return { shops, skus, unavailable };
}
