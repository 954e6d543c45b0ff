import type { Sender } from "@questdb/nodejs-client";
import { HEATMAP_GRID as GRID, pageOf, type InteractionBatch } from "../../core/interaction.ts";
import { toMicros } from "../../core/questdb.ts";
import type { ScrollReports } from "./scroll-reports.ts";

const cell = (n: number) => Math.min(GRID - 1, Math.floor(n * GRID));

/**
 * The rows of one batch: the page view (rewritten by every batch of the view), one row per click,
 * and the view's scroll row from its latest scroll or leave (deepest point, page height, time so far),
 * merged with what earlier batches of the view said.
 */
export async function writeBehaviourRows(
  sender: Sender,
  batch: InteractionBatch,
  reports: ScrollReports,
): Promise<void> {
  const start = toMicros(batch.start);
  const page = pageOf(batch.path);
  const view = sender
    .table("page_views")
    .symbol("site", batch.site)
    .symbol("shop", batch.shop)
    .symbol("platform", batch.platform)
    .symbol("page", page);
  if (batch.step) view.symbol("step", batch.step); // symbols before other columns (ILP)
  await view
    .stringColumn("path", batch.path)
    .stringColumn("view", batch.view)
    .stringColumn("session", batch.session)
    .stringColumn("visitor", batch.visitor)
    .intColumn("viewport_w", batch.viewport.w)
    .intColumn("viewport_h", batch.viewport.h)
    .booleanColumn("bot", batch.bot)
    .timestampColumn("received_at", toMicros(batch.receivedAt), "us")
    .at(start, "us");

  let last: Extract<InteractionBatch["events"][number], { k: "scroll" | "leave" }> | undefined;
  for (const event of batch.events) {
    if (event.k !== "click") {
      last = event;
      continue;
    }
    await sender
      .table("clicks")
      .symbol("site", batch.site)
      .symbol("shop", batch.shop)
      .symbol("page", page)
      .stringColumn("view", batch.view)
      .stringColumn("session", batch.session)
      .stringColumn("selector", event.selector)
      .intColumn("x", event.x)
      .intColumn("y", event.y)
      .floatColumn("nx", event.nx)
      .floatColumn("ny", event.ny)
      .intColumn("cell_x", cell(event.nx))
      .intColumn("cell_y", cell(event.ny))
      .intColumn("viewport_w", batch.viewport.w)
      .booleanColumn("rage", event.rage)
      .booleanColumn("dead", event.dead)
      .booleanColumn("bot", batch.bot)
      .at(toMicros(event.at), "us");
  }
  if (!last) return;

  const report = reports.merge(batch.site, batch.view, {
    seq: batch.seq,
    depth: last.depth,
    height: last.height,
    durationMs:
      last.k === "leave" ? last.durationMs : Math.max(0, Date.parse(last.at) - Date.parse(batch.start)),
    left: last.k === "leave",
  });
  await sender
    .table("scrolls")
    .symbol("site", batch.site)
    .symbol("shop", batch.shop)
    .symbol("page", page)
    .stringColumn("view", batch.view)
    .stringColumn("session", batch.session)
    .intColumn("max_depth", report.depth)
    .intColumn("page_height", report.height)
    .floatColumn("depth_pct", report.height ? Math.min(100, (100 * report.depth) / report.height) : 0)
    .intColumn("duration_ms", report.durationMs)
    .booleanColumn("left_page", report.left)
    .booleanColumn("bot", batch.bot)
    .at(start, "us");
}
