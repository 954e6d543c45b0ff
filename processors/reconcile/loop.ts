import type { Logger } from "../../core/log.ts";
import { KeysRefused, type PlatformApi } from "../../platforms/adapter.ts";
import { reconcileShop, type ReconcileDeps } from "./reconcile.ts";

/**
 * Reconciles every shop whose platform can count its orders, first after `firstDelayMs` (the
 * catch-up's first round brings most of what is missing, cheaper) and then every `intervalMs`. A
 * shop's failure is logged and retried next round; refused keys are reported like the catch-up's.
 */
export function startReconcileLoop(
  apis: () => PlatformApi[],
  options: ReconcileDeps & {
    intervalMs: number;
    firstDelayMs: number;
    log: Logger;
    keysRefused?: (api: PlatformApi, err: KeysRefused) => Promise<void>;
  },
): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running = Promise.resolve();

  const reconcileOne = async (api: PlatformApi) => {
    try {
      await reconcileShop(api, options);
    } catch (err) {
      options.log.error(
        { platform: api.platform, shop: api.shop, err: String(err) },
        "reconciliation failed",
      );
      if (err instanceof KeysRefused && options.keysRefused) await options.keysRefused(api, err);
    }
  };
  const round = async () => {
    for (const api of apis()) {
      if (stopped) return;
      await reconcileOne(api).catch((err: unknown) =>
        options.log.error(
          { platform: api.platform, shop: api.shop, err: String(err) },
          "reconciliation failed",
        ),
      );
    }
  };
  const schedule = (delay: number) => {
    timer = setTimeout(() => {
      running = round().then(() => {
        if (!stopped) schedule(options.intervalMs);
      });
    }, delay);
  };
  schedule(options.firstDelayMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
