import { Rule } from "./rules.ts";

/**
 * The rules a new installation starts with, so alerting is visible from the first minutes: nothing
 * is sent (no channels) until someone adds an address or PagerDuty, but their incidents show on the
 * settings page and as markers on the dashboards. Written once, into an empty rule store; after that
 * they are the user's to change or delete.
 */
export const DEFAULT_RULES: Rule[] = [
  {
    id: "reorder-point",
    name: "A SKU is at or below its reorder point",
    kind: "reorder_point",
    severity: "warning",
    cooldownMinutes: 720,
  },
  {
    id: "stockout-within-lead-time",
    name: "A SKU sells out within its lead time",
    kind: "stockout_eta",
    severity: "critical",
    cooldownMinutes: 120,
  },
  {
    id: "no-orders-longer-than-usual",
    name: "No orders for longer than usual at this hour",
    kind: "no_orders",
    severity: "error",
    // At least half an hour, and three times the shop's usual gap between orders at this hour.
    minutes: 30,
    usualGapFactor: 3,
    openingHours: { timeZone: "UTC" },
    cooldownMinutes: 60,
  },
  {
    id: "revenue-below-last-week",
    name: "Revenue below the same time last week, beyond its usual band",
    kind: "revenue_drop",
    severity: "warning",
    dropPercent: 30,
    zScore: 2,
    weeks: 4,
    cooldownMinutes: 240,
  },
].map((input) => Rule.parse(input));
