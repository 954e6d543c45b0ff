import { loadConfig } from "../core/env.ts";
import type { PlatformAdapter, PlatformModule, Shared } from "./adapter.ts";
import { platforms } from "./index.ts";

/**
 * Builds an adapter for each platform whose variables are set. A platform with some but not all of
 * its variables is a configuration error (named), not a silently disabled route. With
 * STORE_WEBHOOK_KEY set, connectable platforms also run for the stores connected through the connect service.
 */
export function loadAdapters(
  env: Record<string, string | undefined>,
  shared: Shared,
  modules: PlatformModule[] = platforms,
): PlatformAdapter[] {
  const adapters = modules.flatMap((module) => {
    if (module.configuredBy.some((name) => env[name] !== undefined && env[name] !== ""))
      return [module.create(loadConfig(module.env, env), shared)];
    // A connectable platform takes webhooks from connected stores with no variables of its own.
    return module.connectable && shared.storeWebhookKey ? [module.create(undefined, shared)] : [];
  });
  if (adapters.length === 0) {
    const names = modules.map((m) => `${m.platform}: ${m.configuredBy.join(", ")}`).join("; ");
    throw new Error(`no platform configured: set the variables of at least one (${names})`);
  }
  return adapters;
}
