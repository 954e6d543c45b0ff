import { createHash } from "node:crypto";
import { z } from "zod";
import { ConfigError, loadConfig } from "../core/env.ts";
import type { DemoFollower, DemoFollowing, DemoOrder, DemoOutlet } from "../platforms/adapter.ts";
import { platforms } from "../platforms/index.ts";
import type { DeliveryOptions } from "./deliver.ts";
import type { FeedFactory } from "./feed.ts";
import { seedFor } from "./shops.ts";

/**
 * The sources that act on the demo shops' orders rather than run a shop (the shippers,
 * platforms/<name>/demo/): which of them run (`DEMO_FOLLOWERS`, set by the start command), and the
 * shops' feeds made to tell them about each order paid or cancelled.
 */

export const demoFollowers: { platform: string; follower: DemoFollower }[] = platforms.flatMap((p) =>
  p.demoFollower ? [{ platform: p.platform, follower: p.demoFollower }] : [],
);

const names = demoFollowers.map((f) => f.platform);

const followersEnv = z.object({
  DEMO_FOLLOWERS: z
    .string()
    .default("")
    .transform((list) =>
      list
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(names, { error: `DEMO_FOLLOWERS lists ${names.join(", ")}` }))),
});

export interface RunningFollower {
  platform: string;
  follower: DemoFollower;
  following: DemoFollowing;
  delivery: Omit<DeliveryOptions, "stopped">;
}

/** The followers `DEMO_FOLLOWERS` names, each one's variables checked (all problems reported together). */
export function openFollowers(
  env: Readonly<Record<string, string | undefined>>,
  demoSeed: number,
  ingestUrl: string,
): RunningFollower[] {
  const { DEMO_FOLLOWERS } = loadConfig(followersEnv, { ...env });
  const problems: string[] = [];
  const running = demoFollowers
    .filter(({ platform }) => DEMO_FOLLOWERS.includes(platform))
    .flatMap(({ platform, follower }): RunningFollower[] => {
      let parsed: unknown;
      try {
        parsed = loadConfig(follower.env, { ...env });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(...err.problems);
        return [];
      }
      const url = new URL(`/webhooks/${platform}`, ingestUrl).href;
      const following = follower.open(parsed, seedFor(demoSeed, follower.traffic.seedStep), url);
      return [
        { platform, follower, following, delivery: { url: following.url, headers: following.headers } },
      ];
    });
  if (problems.length) throw new ConfigError(problems);
  return running;
}

/** Where an order falls in [0, 1): the same for every run of one seed, whichever follower asks. */
export function orderSlot(seed: number, order: Pick<DemoOrder, "platform" | "shop" | "spec">): number {
  const digest = createHash("sha256").update(
    `${seed}:${order.platform}:${order.shop}:${order.spec.orderNumber}`,
  );
  return digest.digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * The shop's feed, unchanged, but every order paid or cancelled is also told to the followers whose
 * slice its slot falls in.
 */
export function followedFeed(
  factory: FeedFactory,
  shop: { platform: string; outlet: Pick<DemoOutlet, "orderReference"> },
  followers: readonly RunningFollower[],
  demoSeed: number,
): FeedFactory {
  if (!followers.length) return factory;
  return (args) => {
    const feed = factory(args);
    const takers = (spec: DemoOrder["spec"]) => {
      const order: DemoOrder = {
        platform: shop.platform,
        shop: args.ctx.shop,
        spec,
        currency: args.ctx.currency,
        reference: shop.outlet.orderReference?.(spec) ?? String(spec.orderNumber),
      };
      const slot = orderSlot(demoSeed, order);
      return {
        order,
        followers: followers.filter(
          ({ follower: { traffic } }) => slot >= traffic.slice[0] && slot < traffic.slice[1],
        ),
      };
    };
    return {
      checkoutStarted: (checkout) => feed.checkoutStarted(checkout),
      orderPlaced: (spec) => feed.orderPlaced(spec),
      orderPaid: (spec) => {
        const { order, followers: to } = takers(spec);
        for (const f of to) f.following.orderPaid(order, spec.updatedAt);
        return feed.orderPaid(spec);
      },
      orderCancelled: (spec, refund) => {
        const { order, followers: to } = takers(spec);
        for (const f of to) f.following.orderCancelled(order, spec.cancelledAt ?? spec.updatedAt);
        return feed.orderCancelled(spec, refund);
      },
      orderRefunded: (spec, refund) => feed.orderRefunded(spec, refund),
      stockChanged: (product, available, at) => feed.stockChanged(product, available, at),
    };
  };
}
