import { randomBytes } from "node:crypto";
import { salesEnv } from "../processors/sales/config.ts";
import { demoFollowers } from "./followers.ts";
import { demoOutlets } from "./outlets.ts";

/**
 * How the start command wires the demo's shops into the services. Each outlet makes its secrets
 * here, per run, in memory, when the user has not set that platform up: nothing is written to `.env`,
 * so a user's own settings are always told apart from the demo's, and a user's own settings of a
 * platform win — the demo then runs no shop on it (`skipped` says why).
 */

export interface DemoWiring {
  platforms: string[];
  /** Sources acting on the shops' orders (the shippers). */
  followers: string[];
  skipped: { platform: string; because: string }[];
  /** For the services the stack starts (ingest verifies with these, processors fetch with these). */
  stackEnv: Record<string, string>;
  /** For the demo process, on top of `stackEnv`. */
  demoEnv: Record<string, string>;
  /** Local ports the demo process serves (a platform's API) that must answer before the stack starts. */
  serves: number[];
}

const freshSecret = () => randomBytes(24).toString("hex");

export async function demoWiring(
  env: Readonly<Record<string, string | undefined>>,
  tools: { port(): Promise<number>; secret?: () => string },
): Promise<DemoWiring> {
  const wiring: DemoWiring = {
    platforms: [],
    followers: [],
    skipped: [],
    stackEnv: {},
    demoEnv: {},
    serves: [],
  };
  const zones: Record<string, string> = {};
  const secret = tools.secret ?? freshSecret;
  const parts = [
    ...demoOutlets.map(({ platform, outlet }) => ({ platform, part: outlet, list: wiring.platforms })),
    ...demoFollowers.map(({ platform, follower }) => ({ platform, part: follower, list: wiring.followers })),
  ];
  for (const { platform, part, list } of parts) {
    const wired = await part.wire(env, { secret, port: tools.port });
    if ("skipped" in wired) {
      wiring.skipped.push({ platform, because: wired.skipped });
      continue;
    }
    list.push(platform);
    Object.assign(wiring.stackEnv, wired.stackEnv);
    Object.assign(wiring.demoEnv, wired.demoEnv);
    Object.assign(zones, wired.timeZones);
    wiring.serves.push(...(wired.serves ?? []));
  }
  // The user's own entries win; a SHOP_TIMEZONES the processors will refuse is left for them to name.
  const configured = salesEnv.shape.SHOP_TIMEZONES.safeParse(env.SHOP_TIMEZONES);
  if (configured.success) wiring.stackEnv.SHOP_TIMEZONES = JSON.stringify({ ...zones, ...configured.data });
  wiring.demoEnv.DEMO_PLATFORMS = wiring.platforms.join(",");
  wiring.demoEnv.DEMO_FOLLOWERS = wiring.followers.join(",");
  return wiring;
}
