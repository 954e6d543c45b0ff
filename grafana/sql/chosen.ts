/**
 * A filter on a multi-value variable (`platform IN ($platform)`), wrapped in the QuestDB plugin's
 * `$__conditionalAll` so that All reads as no filter at all: a shop that appears while a wall screen
 * keeps its variables from the last load is still in "everything", and an empty list is no SQL error.
 * `qualified` names the column where a join makes the bare name ambiguous (`o.shop`).
 */
export function chosen(column: string, qualified = column): string {
  return `$__conditionalAll(${qualified} IN ($${column}), $${column})`;
}

/** The platforms and shops chosen on the dashboard. */
export const CHOSEN_SHOPS = `${chosen("platform")} AND ${chosen("shop")}`;

/**
 * The variables that choose: platforms that have shops, then the shops on the chosen platforms. A shop
 * configured by hand but not heard from yet has no platform (and no data): it is not listed.
 */
export const CHOICE_QUERIES = {
  platform: "SELECT DISTINCT platform FROM shops WHERE platform IS NOT NULL ORDER BY platform",
  shop: `SELECT shop FROM shops WHERE platform IS NOT NULL AND ${chosen("platform")} ORDER BY shop`,
} as const;
