import type { Sender } from "@questdb/nodejs-client";
import { HEATMAP_GRID as GRID, pageOf, type InteractionBatch } from "../../core/interaction.ts";
import { toMicros } from "../../core/questdb.ts";

const cell = (n: number) => Math.min(GRID - 1, Math.floor(n * GRID));

/**
 * The rows of one batch: the page view (rewritten by every batch of the view), one row per click,
 * and the view's scroll row from its latest scroll or leave (deepest point, page height, time so far).
 */
export async function writeBehaviourRows(sender: Sender, batch: InteractionBatch): Promise<void> {
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

  const durationMs =
    last.k === "leave" ? last.durationMs : Math.max(0, Date.parse(last.at) - Date.parse(batch.start));
  await sender
    .table("scrolls")
    .symbol("site", batch.site)
    .symbol("shop", batch.shop)
    .symbol("page", page)
    .stringColumn("view", batch.view)
    .stringColumn("session", batch.session)
    .intColumn("max_depth", last.depth)
    .intColumn("page_height", last.height)
    .floatColumn("depth_pct", last.height ? Math.min(100, (100 * last.depth) / last.height) : 0)
    .intColumn("duration_ms", durationMs)
    .booleanColumn("left_page", last.k === "leave")
    .booleanColumn("bot", batch.bot)
    .at(start, "us");
}
