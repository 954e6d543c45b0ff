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
  const set = (name: string) => env[name] !== undefined && env[name] !== "";
  return (
    (set("STORE_WEBHOOK_KEY") && modules.some((m) => m.connectable)) ||
    modules.some((m) => m.connectedBy?.some(set))
  );
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
