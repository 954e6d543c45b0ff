import { z } from "zod";

/**
 * A zone name the runtime knows (IANA, like `Europe/Berlin`, or a fixed offset like `+05:30`).
 * Whether QuestDB reads it the same way is checked against QuestDB at start-up (zones.ts).
 */
export function isIanaZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return /^([A-Za-z_]+(\/[A-Za-z0-9_+-]+)*|[+-]\d{2}:\d{2})$/.test(zone);
  } catch {
    return false;
  }
}

const zone = z.string().refine(isIanaZone, "must be an IANA time zone such as Europe/Berlin");

/**
 * Where a shop's day starts. Webhooks carry instants, not the shop's zone, so the zone comes from here
 * (a store set up by hand, the demo, tests) or from the connect flow, which writes the `shops` table.
 */
export const salesEnv = z.object({
  /** JSON object: shop (as the platform names it, e.g. `acme.myshopify.com`) → IANA zone. */
  SHOP_TIMEZONES: z
    .string()
    .optional()
    // Empty counts as unset: docker compose passes `${SHOP_TIMEZONES:-}` through as "".
    .transform((text, ctx) => {
      if (!text?.trim()) return {};
      try {
        return JSON.parse(text) as unknown;
      } catch (err) {
        ctx.addIssue({ code: "custom", message: `SHOP_TIMEZONES is not JSON: ${(err as Error).message}` });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string().min(1), zone)),
  /** The zone of a shop nobody configured yet. */
  DEFAULT_SHOP_TIMEZONE: z.preprocess((v) => (v === "" ? undefined : v), zone.default("UTC")),
  /**
   * Hours of the owned shops' facts held in memory to recompute windows from (0: read every batch
   * back from QuestDB). Late events older than this are recomputed from QuestDB.
   */
  SALES_MEMORY_HOURS: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 31)
    .default(48),
});

export type SalesConfig = z.infer<typeof salesEnv>;
