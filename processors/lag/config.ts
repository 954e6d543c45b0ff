import { z } from "zod";

export const lagEnv = z.object({
  /** How often the processors sample every durable consumer's lag into `consumer_lag`. */
  CONSUMER_LAG_INTERVAL_MS: z.coerce.number().int().min(1000).max(3_600_000).default(15_000),
});
