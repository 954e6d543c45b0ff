import { z } from "zod";

/** Inventory settings, read with the processors' environment. */
export const inventoryEnv = z.object({
  /** How often dirty SKUs (new sales, reports, product maps) are recomputed. */
  INVENTORY_FORECAST_INTERVAL_MS: z.coerce.number().int().positive().default(15_000),
  /** How often every SKU is recomputed: ETAs move with the clock and velocities decay without sales. */
  INVENTORY_REFRESH_MS: z.coerce.number().int().positive().default(300_000),
  /** Days from purchase order to stock on the shelf, for the reorder point. */
  INVENTORY_LEAD_TIME_DAYS: z.coerce.number().positive().default(7),
  /** Safety-stock service factor (1.65 ≈ 95 % service level). */
  INVENTORY_SERVICE_Z: z.coerce.number().min(0).default(1.65),
  /** A single order line counts at most this many times the median line quantity towards velocity. */
  INVENTORY_BURST_FACTOR: z.coerce.number().min(1).default(3),
});

export type InventoryConfig = z.infer<typeof inventoryEnv>;
