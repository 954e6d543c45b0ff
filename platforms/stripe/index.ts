import { z } from "zod";
import { parseJsonExact } from "../../core/json.ts";
import {
  InvalidPayload,
  parsePayload,
  type Delivery,
  type PlatformAdapter,
  type PlatformModule,
} from "../adapter.ts";
import { paymentEvent } from "../payment-event.ts";
import { UnrepresentableAmount } from "./amounts.ts";
import { PLATFORM, stripePayment, stripeTopicHandled, type OrderRefKeys } from "./normalise.ts";
import { StripeEvent } from "./payload.ts";
import { stripeSignatureValid } from "./signature.ts";

const list = (what: string) =>
  z
    .string()
    .transform((value) =>
      value
        .split(",")
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .refine((parts) => parts.length > 0, `${what} must name at least one`);

const env = z.object({
  /**
   * The endpoint's signing secret (Dashboard → Developers → Webhooks → the endpoint → Signing secret),
   * or several, comma-separated, while a secret is rolled.
   */
  STRIPE_WEBHOOK_SECRET: list("STRIPE_WEBHOOK_SECRET").refine(
    (secrets) => secrets.every((s) => s.startsWith("whsec_") && s.length >= 16),
    "STRIPE_WEBHOOK_SECRET: each secret starts with whsec_ (the endpoint's signing secret)",
  ),
  /** How old a signature's timestamp may be; Stripe's libraries use 300 s. */
  STRIPE_SIGNATURE_TOLERANCE_S: z.coerce.number().int().min(1).max(3600).default(300),
  /** Metadata keys holding the shop's order id and site (the WooCommerce Stripe gateway's by default). */
  STRIPE_ORDER_ID_KEYS: list("STRIPE_ORDER_ID_KEYS").default(["order_id"]),
  STRIPE_SITE_KEYS: list("STRIPE_SITE_KEYS").default(["site_url"]),
  /** The name rows carry as `shop` for the account's own payments (connected accounts use their acct_ id). */
  STRIPE_ACCOUNT_NAME: z.string().min(1).max(255).default("stripe"),
});
export type StripeEnv = z.infer<typeof env>;

function createAdapter(config: StripeEnv): PlatformAdapter {
  const keys: OrderRefKeys = { orderKeys: config.STRIPE_ORDER_ID_KEYS, siteKeys: config.STRIPE_SITE_KEYS };
  const signature = {
    secrets: config.STRIPE_WEBHOOK_SECRET,
    toleranceSeconds: config.STRIPE_SIGNATURE_TOLERANCE_S,
  };
  return {
    platform: PLATFORM,
    verify: (delivery: Delivery) =>
      stripeSignatureValid(delivery.rawBody, delivery.header("stripe-signature"), signature),

    handle(delivery: Delivery) {
      let body: unknown;
      try {
        body = parseJsonExact(delivery.rawBody.toString("utf8"));
      } catch (err) {
        throw new InvalidPayload(`body is not valid JSON: ${(err as Error).message}`);
      }
      const event = parsePayload(StripeEvent, body, "stripe event");
      if (!stripeTopicHandled(event.type)) return { kind: "ignore", reason: `type ${event.type}` };
      let payment;
      try {
        payment = stripePayment(event, keys);
      } catch (err) {
        if (err instanceof UnrepresentableAmount) throw new InvalidPayload(err.message, "data.object.amount");
        throw err;
      }
      if (!payment) return { kind: "ignore", reason: "no money moved" };
      const shop = event.account ?? config.STRIPE_ACCOUNT_NAME;
      // Stripe's event id is the same on every retry: JetStream's dedupe and our idempotent rows key on it.
      return { kind: "publish", events: [paymentEvent(shop, event.id, payment, delivery.receivedAt)] };
    },
  };
}

export const stripe: PlatformModule<typeof env> = {
  platform: PLATFORM,
  env,
  configuredBy: ["STRIPE_WEBHOOK_SECRET"],
  redact: { fields: ["STRIPE_WEBHOOK_SECRET", "STRIPE_API_KEY"], headers: ["stripe-signature"] },
  create: (config) => {
    if (!config) throw new Error("stripe runs only with STRIPE_WEBHOOK_SECRET set");
    return createAdapter(config);
  },
};
