import { z } from "zod";
import { demoSecret, usersOwn } from "../../../demo/outlet-tools.ts";
import type { DemoFollower, DemoOrder } from "../../adapter.ts";
import { stripeSignatureHeader } from "../sign.ts";
import { StripeAccount } from "./account.ts";

const env = z.object({
  STRIPE_WEBHOOK_SECRET: demoSecret("STRIPE_WEBHOOK_SECRET", "stripe").refine(
    (secret) => secret.startsWith("whsec_"),
    "STRIPE_WEBHOOK_SECRET must start with whsec_",
  ),
});

/** The shops whose gateway the demo's Stripe account plays (Shopify's own checkout takes Shopify's orders). */
const CHARGED_PLATFORMS = new Set(["woocommerce", "bigcommerce"]);

/** WooCommerce's Stripe gateway puts the site beside the order id; the demo Woo shop's site is its shop token's host. */
const siteUrl = (order: DemoOrder) => (order.platform === "woocommerce" ? `https://${order.shop}/` : null);

/**
 * The demo's Stripe account, unless the user set Stripe up: it charges its slice of the demo
 * WooCommerce and BigCommerce shops' paid orders and reports refunds, a dispute and daily payouts
 * (account.ts), each POSTed with `Stripe-Signature` made with the run's endpoint secret at the
 * moment it is sent, as Stripe signs.
 */
export const stripeDemo: DemoFollower<typeof env> = {
  label: "Stripe",
  traffic: { slice: [0, 0.65], seedStep: 13 },
  env,
  wire: async (userEnv, tools) => {
    const skipped = usersOwn(userEnv, "STRIPE_", "Stripe", "account");
    if (skipped) return { skipped };
    return { stackEnv: { STRIPE_WEBHOOK_SECRET: `whsec_${tools.secret()}` } };
  },
  open: (config, seed, webhookUrl) => {
    const account = new StripeAccount({ seed, siteUrl });
    return {
      url: webhookUrl,
      headers: (_webhook, body) => ({
        "content-type": "application/json; charset=utf-8",
        "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        "stripe-signature": stripeSignatureHeader(
          body,
          [config.STRIPE_WEBHOOK_SECRET],
          Math.floor(Date.now() / 1000),
        ),
      }),
      orderPaid(order, at) {
        if (CHARGED_PLATFORMS.has(order.platform)) account.orderPaid(order, at);
      },
      orderCancelled(order, at) {
        if (CHARGED_PLATFORMS.has(order.platform)) account.orderCancelled(order, at);
      },
      advance: (until) => account.advance(until),
    };
  },
};
