import { z } from "zod";
import { FUNNEL_STEPS, type FunnelStep } from "../../core/interaction.ts";
import type { PlatformModule, StorefrontFunnel } from "../../platforms/adapter.ts";
import { platforms } from "../../platforms/index.ts";

/**
 * Where a page sits in the store's funnel (product page → cart → checkout), from URL patterns per
 * site. Ingest tags each page view with its step, so the dashboard counts sessions per step with a
 * plain filter; the checkout and order steps are joined from the shop's checkout and order events.
 *
 * A pattern is a path where `*` stands for any run of characters (`/products/*`); it matches the
 * whole path without its query. Patterns, not regular expressions: a site's settings can never
 * make a request slow.
 */

const Pattern = z
  .string()
  .regex(/^\/[^?#\s]{0,99}$/, "must be a path like /products/* (starting with /, no query, at most 100)")
  // Each wildcard multiplies the matcher's worst case: three keep it small on a 600-character path.
  .refine((p) => p.split("*").length <= 4, "at most three * in a pattern");
const Patterns = z.array(Pattern).max(10);

export const FunnelPatterns = z.object({
  product: Patterns.optional(),
  cart: Patterns.optional(),
  checkout: Patterns.optional(),
});
export type FunnelPatterns = z.infer<typeof FunnelPatterns>;

const NO_DEFAULTS: StorefrontFunnel = { product: [], cart: [], checkout: [] };

const escape = (text: string) => text.replace(/[.+^${}()|[\]\\]/g, "\\$&");

/** One anchored expression per pattern. */
function compile(patterns: readonly string[]): RegExp[] {
  return patterns.map((p) => new RegExp(`^${p.split("*").map(escape).join(".*")}$`));
}

/** The step of a page (its path without the query), or undefined when it is no funnel page. */
export type FunnelOf = (page: string) => FunnelStep | undefined;

/** A site's own patterns for the steps it names; its platform's storefront (the module's `storefrontFunnel`) for the rest. */
export function funnelOf(
  platform: string,
  patterns: FunnelPatterns | undefined,
  modules: readonly PlatformModule[] = platforms,
): FunnelOf {
  const defaults = modules.find((m) => m.platform === platform)?.storefrontFunnel ?? NO_DEFAULTS;
  const steps = FUNNEL_STEPS.map((step) => ({
    step,
    tests: compile(patterns?.[step] ?? defaults[step]),
  }));
  return (page) => steps.find(({ tests }) => tests.some((t) => t.test(page)))?.step;
}
