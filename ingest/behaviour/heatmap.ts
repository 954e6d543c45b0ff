import { HEATMAP_GRID } from "../../core/interaction.ts";
import { sqlString, type QuestDb } from "../../core/questdb.ts";
const MAX_CELLS = 3000;

export interface HeatmapAnswer {
  grid: number;
  elements: { sel: string; cells: [number, number, number][]; rage: number }[];
  reach: [number, number, number, number];
  views: number;
}

/**
 * One page's heatmap over the last `days`, read from the materialized views QuestDB keeps up to
 * date (processors/behaviour/schema.ts): clicks per element and cell, scroll reach per quarter.
 */
export async function readHeatmap(
  db: QuestDb,
  site: string,
  page: string,
  days = 30,
): Promise<HeatmapAnswer> {
  const where = `site = ${sqlString(site)} AND page = ${sqlString(page)} AND ts > dateadd('d', -${days}, now())`;
  const cells = await db.exec<[string, number, number, number, number]>(
    `SELECT selector, cell_x, cell_y, sum(clicks) clicks, sum(rage) rage FROM click_cells_1h
     WHERE ${where} GROUP BY selector, cell_x, cell_y ORDER BY clicks DESC LIMIT ${MAX_CELLS}`,
  );
  const reach = await db.exec<[number | null, number | null, number | null, number | null, number | null]>(
    `SELECT sum(views), sum(reached_25), sum(reached_50), sum(reached_75), sum(reached_100)
     FROM scroll_reach_1h WHERE ${where}`,
  );
  const bySelector = new Map<string, HeatmapAnswer["elements"][number]>();
  for (const [sel, x, y, clicks, rage] of cells.dataset) {
    let element = bySelector.get(sel);
    if (!element) bySelector.set(sel, (element = { sel, cells: [], rage: 0 }));
    element.cells.push([x, y, clicks]);
    element.rage += rage;
  }
  const [views, r25, r50, r75, r100] = (reach.dataset[0] ?? []).map((n) => n ?? 0);
  const share = (n = 0) => (views ? n / views : 0);
  return {
    grid: HEATMAP_GRID,
    elements: [...bySelector.values()],
    reach: [share(r25), share(r50), share(r75), share(r100)],
    views: views ?? 0,
  };
}
