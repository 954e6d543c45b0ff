import { z } from "zod";
import { parseJsonExact } from "../../core/json.ts";
import {
  InvalidPayload,
  parsePayload,
  type Delivery,
  type PlatformAdapter,
  type PlatformModule,
} from "../adapter.ts";
import { stripeApi } from "./api.ts";
import { stripeDemo } from "./demo/index.ts";
import { list, stripeEventOptions, stripeSharedEnv } from "./env.ts";
import { stripeEvents } from "./events.ts";
import { PLATFORM } from "./normalise.ts";
import { StripeEvent } from "./payload.ts";
import { stripeSignatureValid } from "./signature.ts";

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
  ...stripeSharedEnv,
  /**
   * Read here only as "is it set": captures then carry a reference to their balance transaction for
   * the fetchers to read fees from. Ingest never keeps or uses the key itself.
   */
  STRIPE_API_KEY: z
    .string()
    .optional()
    .transform((key) => Boolean(key)),
});
export type StripeEnv = z.infer<typeof env>;

function createAdapter(config: StripeEnv): PlatformAdapter {
  const options = stripeEventOptions(config, config.STRIPE_API_KEY);
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
      const events = stripeEvents(event, options, delivery.receivedAt);
      if (!events) return { kind: "ignore", reason: `type ${event.type}` };
      // Stripe's event id is the same on every retry: JetStream's dedupe and our idempotent rows key on it.
      return { kind: "publish", events };
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
  api: stripeApi,
  demoFollower: stripeDemo,
};
