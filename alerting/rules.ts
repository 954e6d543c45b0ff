import { z } from "zod";

/**
 * Alert rules as data. A rule measures something per subject (a shop, or a SKU of a shop), fires when
 * the value crosses its line and resolves only once it is back past the line by `hysteresis`, so a
 * value hovering at the line notifies once. Units of `hysteresis` are the rule's own (units, hours,
 * minutes, percentage points).
 */

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time of day such as "09:00"');

export const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "an IANA time zone such as Europe/Berlin");

export const Channel = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("pagerduty"),
    /**
     * The environment variable holding the Events API v2 routing (integration) key: rules live in
     * NATS KV and on a web page, secrets only in the environment.
     */
    routingKeyEnv: z
      .string()
      .regex(
        /^PAGERDUTY_ROUTING_KEY(_[A-Z0-9_]+)?$/,
        "must name a variable PAGERDUTY_ROUTING_KEY or PAGERDUTY_ROUTING_KEY_<NAME>",
      ),
  }),
  z.object({
    type: z.literal("email"),
    to: z.array(z.email("must be an email address")).min(1, "needs at least one address"),
  }),
]);

export const Scope = z
  .object({
    platform: z.string().min(1).optional(),
    /** Shops the rule watches; empty means every shop. */
    shops: z.array(z.string().min(1)).default([]),
    /** SKU patterns (`*` matches any run of characters); empty means every SKU. Inventory rules only. */
    skus: z.array(z.string().min(1)).default([]),
  })
  .default({ shops: [], skus: [] });

export const OpeningHours = z.object({
  timeZone,
  /** ISO weekdays the shop is open: 1 = Monday … 7 = Sunday. */
  days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5, 6, 7]),
  from: hhmm.default("00:00"),
  to: hhmm.default("24:00"),
});

const common = {
  id: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9_-]{0,63}$/,
      "use 1–64 characters: lower-case letters, digits, - and _, starting with a letter or digit",
    ),
  name: z.string().trim().min(1, "give the rule a name").max(200),
  enabled: z.boolean().default(true),
  /** PagerDuty's severities; email subjects carry them too. */
  severity: z.enum(["critical", "error", "warning", "info"]).default("warning"),
  scope: Scope,
  /** Where notifications go. None is allowed: the incident still shows on the page and the dashboards. */
  channels: z.array(Channel).max(10).default([]),
  /** After a resolve, the same subject does not notify again for this long. */
  cooldownMinutes: z
    .number()
    .min(0)
    .max(7 * 24 * 60)
    .default(30),
};

const pct = z.number().gt(0).max(100);

export const Rule = z.discriminatedUnion("kind", [
  z.object({
    ...common,
    kind: z.literal("low_stock"),
    /** Fires when available units fall below this. */
    threshold: z.number().int().min(1),
    hysteresis: z.number().min(0).default(2),
  }),
  z.object({
    ...common,
    kind: z.literal("reorder_point"),
    /** Fires when available ≤ reorder point; resolves above reorder point + hysteresis (units). */
    hysteresis: z.number().min(0).default(2),
  }),
  z.object({
    ...common,
    kind: z.literal("stockout_eta"),
    /** Fires when the SKU sells out within this many hours; absent: within its lead time. */
    withinHours: z.number().positive().optional(),
    hysteresis: z.number().min(0).default(6),
  }),
  z.object({
    ...common,
    kind: z.literal("no_orders"),
    /** Fires after this many minutes without an order, counted inside opening hours only. */
    minutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    openingHours: OpeningHours,
    /**
     * When set, the quiet spell must also be this many times the shop's usual gap between orders at
     * this hour of the day (its orders in that hour over the last `historyWeeks` weeks); an hour with
     * no orders in that history is a normal quiet hour and fires nothing.
     */
    usualGapFactor: z.number().min(1).max(100).optional(),
    historyWeeks: z.number().int().min(1).max(8).default(4),
    hysteresis: z.number().min(0).default(0),
  }),
  z.object({
    ...common,
    kind: z.literal("revenue_drop"),
    /** Fires when revenue so far today is this many percent under the same span last week … */
    dropPercent: pct,
    /** … and, when set, its z-score against the same span of the last `weeks` weeks is at most −this. */
    zScore: z.number().positive().optional(),
    weeks: z.number().int().min(2).max(12).default(4),
    timeZone: timeZone.default("UTC"),
    /** Ignore days whose comparison is too small to mean anything (minor units of the shop's currency). */
    minBaselineMinor: z.number().int().min(0).default(0),
    hysteresis: z.number().min(0).default(5),
  }),
  z.object({
    ...common,
    kind: z.literal("conversion_drop"),
    /** Fires when orders per checkout so far today is this many percent under the same span last week. */
    dropPercent: pct,
    timeZone: timeZone.default("UTC"),
    /** Ignore spans with fewer checkouts than this, today or last week. */
    minCheckouts: z.number().int().min(1).default(20),
    hysteresis: z.number().min(0).default(5),
  }),
  z.object({
    ...common,
    kind: z.literal("numbers_mismatch"),
    /**
     * Fires when this many store-local days' latest reconciliation still differs from the platform's
     * own count after a re-fetch (processors/reconcile): our numbers don't match theirs.
     */
    minDays: z.number().int().min(1).max(60).default(1),
    hysteresis: z.number().min(0).default(0),
  }),
  z.object({
    ...common,
    kind: z.literal("dispute_opened"),
    /** Disputes opened this recently are watched (Stripe and PayPal retry deliveries for 3 days). */
    withinHours: z
      .number()
      .positive()
      .max(90 * 24)
      .default(72),
  }),
  z.object({
    ...common,
    kind: z.literal("payment_failures"),
    /** Fires when this many percent of a processor account's payment attempts in the window were declined … */
    ratePercent: pct,
    /** … and at least this many were (a couple of declines in a quiet hour is normal). */
    minFailures: z.number().int().min(1).max(100_000).default(5),
    /** The trailing window, by when each attempt was made. */
    windowMinutes: z
      .number()
      .int()
      .min(5)
      .max(24 * 60)
      .default(60),
    /** Resolves once the rate is this many percentage points under the line. */
    hysteresis: z.number().min(0).default(5),
  }),
  z.object({
    ...common,
    kind: z.literal("unshipped_after"),
    /** Fires when sales orders have waited this many hours for a label (orders of the last 14 days). */
    hours: z
      .number()
      .positive()
      .max(14 * 24),
    /** How many such orders make an incident. */
    minOrders: z.number().int().min(1).default(1),
    /** When set, it fires only while the shop is open: nobody can ship at night. */
    openingHours: OpeningHours.optional(),
  }),
  z.object({
    ...common,
    kind: z.literal("late_deliveries"),
    /** Parcels with tracking in this look-back are watched. */
    withinHours: z
      .number()
      .positive()
      .max(30 * 24)
      .default(168),
    /** How many parcels past their ETA (and not delivered) make an incident, per carrier. */
    minParcels: z.number().int().min(1).default(1),
  }),
  z.object({
    ...common,
    kind: z.literal("exception_rate"),
    /** Fires when this share of a carrier's parcels is in a delivery exception (FAILURE). */
    percent: pct,
    withinHours: z
      .number()
      .positive()
      .max(30 * 24)
      .default(168),
    /** Carriers with fewer parcels than this in the look-back are not judged. */
    minParcels: z.number().int().min(1).default(20),
    hysteresis: z.number().min(0).default(2),
  }),
  z.object({
    ...common,
    kind: z.literal("payout_failed"),
    /** Payouts created this recently are watched. */
    withinHours: z
      .number()
      .positive()
      .max(90 * 24)
      .default(72),
  }),
]);

export type Rule = z.infer<typeof Rule>;
export type RuleKind = Rule["kind"];
export type Channel = z.infer<typeof Channel>;
export const RULE_KINDS = Rule.options.map((o) => o.shape.kind.value);

export interface RuleProblem {
  path: string;
  message: string;
}

export type RuleParse = { ok: true; rule: Rule } | { ok: false; problems: RuleProblem[]; text: string };

/** Parses a rule, and on failure says what is wrong in words a person can act on, field by field. */
export function parseRule(input: unknown): RuleParse {
  if (
    typeof input === "object" &&
    input !== null &&
    "kind" in input &&
    !RULE_KINDS.includes((input as { kind: never }).kind)
  ) {
    const message = `unknown kind "${String((input as { kind: unknown }).kind)}": use one of ${RULE_KINDS.join(", ")}`;
    return { ok: false, problems: [{ path: "kind", message }], text: `kind: ${message}` };
  }
  const parsed = Rule.safeParse(input);
  if (parsed.success) return { ok: true, rule: parsed.data };
  const problems = parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(rule)",
    message: issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message,
  }));
  return { ok: false, problems, text: problems.map((p) => `${p.path}: ${p.message}`).join("\n") };
}

/** `*` matches any run of characters; everything else literally. */
export function skuMatches(patterns: string[], sku: string): boolean {
  if (!patterns.length) return true;
  return patterns.some((pattern) => {
    const re = new RegExp(
      `^${pattern
        .split("*")
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*")}$`,
    );
    return re.test(sku);
  });
}

export function inScope(rule: Rule, platform: string, shop: string): boolean {
  if (rule.scope.platform && rule.scope.platform !== platform) return false;
  return !rule.scope.shops.length || rule.scope.shops.includes(shop);
}
