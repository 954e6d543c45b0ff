import { ConfigError, loadConfig } from "../core/env.ts";
import type { DemoOutlet, DemoShopSpec } from "../platforms/adapter.ts";
import type { DemoConfig } from "./config.ts";
import { demoOutlets } from "./outlets.ts";

/**
 * The demo's shops: one per source with a demo outlet, sharing the simulation but not its traffic —
 * each has its own seed, rate, currency, zone, tax and shipping, so the unified view shows different
 * stores.
 */

export interface DemoShop extends DemoShopSpec {
  platform: string;
  seed: number;
  ordersPerMinute: number;
  outlet: DemoOutlet;
  /** The outlet's own variables, as its `env` schema parsed them. */
  env: unknown;
}

/** Seeds far apart (golden-ratio steps), so the shops' traffic never lines up. */
export const seedFor = (seed: number, k: number) => (seed + k * 0x9e3779b9) >>> 0;
const rate = (perMinute: number, share: number) => Math.round(perMinute * share * 1000) / 1000;

/**
 * The shops `DEMO_PLATFORMS` names, each outlet's variables checked; every outlet's problems are
 * reported together, each naming its variable.
 */
export function demoShops(
  config: Pick<DemoConfig, "DEMO_PLATFORMS" | "DEMO_SEED" | "DEMO_ORDERS_PER_MINUTE">,
  env: Readonly<Record<string, string | undefined>>,
): DemoShop[] {
  const problems: string[] = [];
  const shops = demoOutlets
    .filter(({ platform }) => config.DEMO_PLATFORMS.includes(platform))
    .flatMap(({ platform, outlet }): DemoShop[] => {
      let parsed: unknown;
      try {
        parsed = loadConfig(outlet.env, { ...env });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(...err.problems);
        return [];
      }
      return [
        {
          ...outlet.shop(parsed),
          platform,
          seed: seedFor(config.DEMO_SEED, outlet.traffic.seedStep),
          ordersPerMinute: rate(config.DEMO_ORDERS_PER_MINUTE, outlet.traffic.share),
          outlet,
          env: parsed,
        },
      ];
    });
  if (problems.length) throw new ConfigError(problems);
  return shops;
}
