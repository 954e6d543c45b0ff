import type { PlatformModule } from "../platforms/adapter.ts";
import type { ConnectShared } from "../platforms/adapter.ts";
import { platforms } from "../platforms/index.ts";
import type { HistoryStore } from "./history.ts";
import { storeHistoryReader, type HistoryReader } from "./progress.ts";

/**
 * Every source's history progress by platform, from the registry: a source whose flow runs its own
 * history declares how to read it (`connect.history`), every other one's is connect/history.ts's.
 * What the CLI reads, so it names no platform.
 */
export async function historyReaders(
  bucket: ConnectShared["bucket"],
  histories: HistoryStore,
  modules: readonly PlatformModule[] = platforms,
): Promise<(platform: string) => HistoryReader> {
  const own = new Map<string, HistoryReader>();
  for (const m of modules) {
    const read = m.connect?.history;
    if (read) own.set(m.platform, await read(bucket));
  }
  return (platform) => own.get(platform) ?? storeHistoryReader(histories, platform);
}
