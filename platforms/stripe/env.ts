import { z } from "zod";
import type { StripeEventOptions } from "./events.ts";

/** A comma-separated env list (several secrets while one rolls, several metadata keys). */
export const list = (what: string) =>
  z
    .string()
    .transform((value) =>
      value
        .split(",")
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .refine((parts) => parts.length > 0, `${what} must name at least one`);

/**
 * What both the webhook adapter and the API (catch-up) read, so an event normalises the same
 * whichever way it came.
 */
export const stripeSharedEnv = {
  /** Metadata keys holding the shop's order id and site (the WooCommerce Stripe gateway's by default). */
  STRIPE_ORDER_ID_KEYS: list("STRIPE_ORDER_ID_KEYS").default(["order_id"]),
  STRIPE_SITE_KEYS: list("STRIPE_SITE_KEYS").default(["site_url"]),
  /** The name rows carry as `shop` for the account's own payments (connected accounts use their acct_ id). */
  STRIPE_ACCOUNT_NAME: z.string().min(1).max(255).default("stripe"),
};

type SharedEnv = { [K in keyof typeof stripeSharedEnv]: z.infer<(typeof stripeSharedEnv)[K]> };

export function stripeEventOptions(config: SharedEnv, fetchFees: boolean): StripeEventOptions {
  return {
    keys: { orderKeys: config.STRIPE_ORDER_ID_KEYS, siteKeys: config.STRIPE_SITE_KEYS },
    accountName: config.STRIPE_ACCOUNT_NAME,
    fetchFees,
  };
}
