import type { Logger } from "../../core/log.ts";
import type { PlatformApi, PlatformModule } from "../../platforms/adapter.ts";
import { Connections, type Connection } from "../../platforms/connections.ts";
import { platforms } from "../../platforms/index.ts";
import { apiKey } from "./refs.ts";

/**
 * The platform APIs the fetchers may call: the ones configured in env, fixed at start, and one per
 * store connected through the connect service, added, replaced and dropped as the `connections`
 * bucket changes (a store connected a second ago can be fetched from without a restart).
 */
export class ApiRegistry {
  private readonly fixed: Map<string, PlatformApi>;
  private readonly connected = new Map<string, PlatformApi>();
  /** The sealed credentials each connected API was built from: a status change keeps the same client. */
  private readonly builtFrom = new Map<string, string>();
  private connections: Connections | undefined;

  constructor(fixed: PlatformApi[]) {
    this.fixed = new Map(fixed.map((api) => [apiKey(api.platform, api.shop), api]));
  }

  get(platform: string, shop: string): PlatformApi | undefined {
    const key = apiKey(platform, shop);
    return this.connected.get(key) ?? this.fixed.get(key);
  }

  all(): PlatformApi[] {
    const merged = new Map(this.fixed);
    for (const [key, api] of this.connected) merged.set(key, api);
    return [...merged.values()];
  }

  /**
   * The platform refused a connected store's keys (revoked, deleted): the store is marked `failed`
   * with the reason (its status page and `connect/cli.ts list` show it), which drops its API here
   * until it connects again. Env-configured APIs are the operator's to fix; their failure is logged.
   */
  async keysRefused(api: PlatformApi, err: Error, log: Logger): Promise<void> {
    if (!this.connections || !this.connected.has(apiKey(api.platform, api.shop))) return;
    await this.connections.update(api.platform, api.shop, {
      status: "failed",
      error: `the store refused our keys (revoked or deleted?): connect it again. ${err.message}`,
    });
    log.error({ platform: api.platform, shop: api.shop }, "store refused its keys: marked failed");
  }

  /** Follows the connections bucket until `signal` aborts; resolves once the current entries are in. */
  async follow(
    connections: Connections,
    shared: { customerHashKey: string; log: Logger },
    signal: AbortSignal,
    modules: PlatformModule[] = platforms,
  ): Promise<void> {
    const { log } = shared;
    this.connections = connections;
    const apply = (connection: Connection) => {
      const key = apiKey(connection.platform, connection.shop);
      const module = modules.find((m) => m.platform === connection.platform)?.api?.connected;
      // `failed`: the platform refused the keys (or the connect did not finish); a new connect revives it.
      if (
        !module ||
        connection.status === "disconnected" ||
        connection.status === "failed" ||
        !connection.credentials
      ) {
        this.builtFrom.delete(key);
        if (this.connected.delete(key))
          log.info(
            { platform: connection.platform, shop: connection.shop },
            "store disconnected: API dropped",
          );
        return;
      }
      if (this.builtFrom.get(key) === connection.credentials) return;
      try {
        const credentials = connections.openCredentials(connection, module.credentials);
        this.connected.set(key, module.create(credentials, shared));
        this.builtFrom.set(key, connection.credentials);
        log.info({ platform: connection.platform, shop: connection.shop }, "connected store's API ready");
      } catch (err) {
        // A bad entry must not stop the others; the store's refs fail (and dead-letter) with this reason.
        log.error(
          { platform: connection.platform, shop: connection.shop, err: (err as Error).message },
          "connected store's credentials unusable",
        );
      }
    };
    for (const connection of await connections.list()) apply(connection);
    const watch = await connections.watch(apply);
    signal.addEventListener("abort", () => watch.stop(), { once: true });
    watch.done.catch((err: unknown) => log.error({ err: String(err) }, "watching connected stores stopped"));
  }
}
