import { loadConfig } from "../core/config.ts";
import type { PlatformAdapter, PlatformModule } from "./adapter.ts";
import { platforms } from "./index.ts";

/**
 * Builds an adapter for each platform whose variables are set. A platform with some but not all of
 * its variables is a configuration error (named), not a silently disabled route.
 */
export function loadAdapters(
  env: Record<string, string | undefined>,
  shared: { customerHashKey: string },
  modules: PlatformModule[] = platforms,
): PlatformAdapter[] {
  const adapters = modules
    .filter((module) => module.configuredBy.some((name) => env[name] !== undefined && env[name] !== ""))
    .map((module) => module.create(loadConfig(module.env, env), shared));
  if (adapters.length === 0) {
    const names = modules.map((m) => `${m.platform}: ${m.configuredBy.join(", ")}`).join("; ");
    throw new Error(`no platform configured: set the variables of at least one (${names})`);
  }
  return adapters;
}
