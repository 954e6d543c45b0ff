import { z } from "zod";

/** The behaviour processor's own settings. */
export const behaviourProcessorEnv = z.object({
  /**
   * How long the behaviour consumer waits to fill a batch before it writes: longer means fewer,
   * larger QuestDB commits (each also refreshes the heatmap views) and later heatmaps. 5 s did not
   * make orders fresher during a beacon flood (docs/benchmarks.md), so the default stays at 1 s.
   */
  BEHAVIOUR_BATCH_MAX_WAIT_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  /**
   * Most behaviour rows (page views, clicks, scroll reports) written to QuestDB per second; a flood
   * beyond it waits in the BEHAVIOUR stream, so the order tables sharing QuestDB stay fresh. 0: no cap.
   * On the 2-core machine, a flood of 1,300–1,600 beacons/s (≈ 15k rows/s) uncapped kept orders'
   * freshness p99 at 0.8–1.4 s; at 5,000 it was 0.48–0.58 s, the rest written within 45 s after
   * (docs/benchmarks.md). A bigger machine can raise it or turn it off.
   */
  BEHAVIOUR_MAX_ROWS_PER_SECOND: z.coerce.number().int().min(0).max(10_000_000).default(5000),
  /**
   * How QuestDB refreshes the heatmap views (click_cells_1h, scroll_reach_1h): `immediate` after every
   * commit to clicks or scrolls, or on a timer (`1m`, `5m`, …; QuestDB's shortest is one minute).
   */
  BEHAVIOUR_VIEW_REFRESH: z
    .string()
    .regex(/^(immediate|[1-9][0-9]{0,3}[mh])$/, "must be immediate or an interval like 1m")
    .default("immediate"),
});
