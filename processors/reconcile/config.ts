import { z } from "zod";

/** The reconciliation's settings, read by the processors at start-up (a bad value stops them, named). */
export const reconcileEnv = z.object({
  /** Days before today that are checked against the platform's numbers (today is always checked). */
  RECONCILE_DAYS: z.coerce.number().int().min(0).max(60).default(7),
  /** How often every shop's days are checked. */
  RECONCILE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(60 * 60 * 1000),
  /** After a re-fetch, how long the re-read orders may take to reach QuestDB before the difference counts as persisting. */
  RECONCILE_SETTLE_MS: z.coerce.number().int().positive().default(60_000),
});
export type ReconcileConfig = z.infer<typeof reconcileEnv>;
