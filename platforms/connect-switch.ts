import type { PlatformModule } from "./adapter.ts";
import { platforms } from "./index.ts";

/**
 * Whether the connect service has anything to do: a source's own connect flow is switched on by its
 * `connectedBy` variables, the shared store flow of `connectable` sources by STORE_WEBHOOK_KEY.
 */
export function connectWanted(
  env: Record<string, unknown>,
  modules: readonly PlatformModule[] = platforms,
): boolean {
  return modules.some((m) => flowWanted(m, env));
}

/** Whether one source's connect flow runs: its own switch (`connectedBy`), or STORE_WEBHOOK_KEY for a `connectable` one. */
export function flowWanted(module: PlatformModule, env: Record<string, unknown>): boolean {
  const set = (name: string) => env[name] !== undefined && env[name] !== "";
  return Boolean((module.connectable && set("STORE_WEBHOOK_KEY")) || module.connectedBy?.some(set));
}

/** The sources whose stores can connect (a flow of their own, or the shared store flow), in the registry's order. */
export function connectSources(modules: readonly PlatformModule[] = platforms): string[] {
  return modules.filter((m) => m.connectable || m.connectedBy?.length).map((m) => m.platform);
}

/** What would switch connect on, for the error that says nothing does: the variable to name, and the sentence. */
export function connectSwitches(modules: readonly PlatformModule[] = platforms): {
  first: string;
  hint: string;
} {
  const own = modules.filter((m) => m.connectedBy?.length);
  const shared = modules.filter((m) => m.connectable).map((m) => m.platform);
  const parts = [
    ...own.map((m) => `${m.connectedBy!.join(" and ")} (${m.platform})`),
    ...(shared.length ? [`STORE_WEBHOOK_KEY (${shared.join(", ")})`] : []),
  ];
  return {
    first: own[0]?.connectedBy?.[0] ?? "STORE_WEBHOOK_KEY",
    hint: `nothing to connect: set ${parts.join(" and/or ")}`,
  };
}
