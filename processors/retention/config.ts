import { z } from "zod";

export const retentionEnv = z.object({
  /** Days of partitions kept in QuestDB's native format; older ones become Parquet. */
  RETENTION_HOT_DAYS: z.coerce.number().int().min(1).max(730).default(90),
  /** How often the conversion job looks for partitions that left the hot window. */
  RETENTION_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .default(60 * 60 * 1000),
});

export type RetentionConfig = z.infer<typeof retentionEnv>;
