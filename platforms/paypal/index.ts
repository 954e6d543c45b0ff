import { z } from "zod";
import { unsetIfEmpty } from "../../core/env.ts";
import {
  InvalidPayload,
  parsePayload,
  type Delivery,
  type PlatformAdapter,
  type PlatformModule,
} from "../adapter.ts";
import { paymentEvent } from "../payment-event.ts";
import { PayPalCertificates } from "./certificates.ts";
import { payPalDemo } from "./demo/index.ts";
import { PLATFORM, paypalPayment, paypalTopicHandled, type OrderRefFields } from "./normalise.ts";
import { PayPalEvent } from "./payload.ts";
import { paypalSignatureValid } from "./signature.ts";

const env = z.object({
  /** The id PayPal gave the webhook (Developer Dashboard → the app → Webhooks): part of every signed message. */
  PAYPAL_WEBHOOK_ID: z
    .string()
    .regex(/^[A-Z0-9]{8,64}$/, "PAYPAL_WEBHOOK_ID must be the webhook's id (letters and digits)"),
  /** Replaces PayPal's API hosts as the only place signing certificates are fetched from (a fake, a proxy). */
  PAYPAL_CERT_BASE_URL: unsetIfEmpty(z.url("PAYPAL_CERT_BASE_URL must be a URL")),
  /** An extra trusted root (PEM), for a fake's own CA; PayPal's chain ends at a public root Node trusts. */
  PAYPAL_CERT_CA: unsetIfEmpty(
    z.string().includes("BEGIN CERTIFICATE", { message: "PAYPAL_CERT_CA must be a PEM certificate" }),
  ),
  /** Resource fields holding the shop's order id (WooCommerce PayPal Payments sets both). */
  PAYPAL_ORDER_REF_FIELDS: z
    .string()
    .default("custom_id,invoice_id")
    .transform((value) => value.split(",").map((f) => f.trim()))
    .pipe(
      z
        .array(z.enum(["custom_id", "invoice_id"]))
        .min(1, "PAYPAL_ORDER_REF_FIELDS must name custom_id and/or invoice_id"),
    ),
  /** The name rows carry as `shop` when the capture names no payee merchant id. */
  PAYPAL_ACCOUNT_NAME: z.string().min(1).max(255).default("paypal"),
});
export type PayPalEnv = z.infer<typeof env>;

function createAdapter(config: PayPalEnv): PlatformAdapter {
  const certificates = new PayPalCertificates({
    baseUrl: config.PAYPAL_CERT_BASE_URL,
    extraRoots: config.PAYPAL_CERT_CA,
  });
  const fields: OrderRefFields = config.PAYPAL_ORDER_REF_FIELDS;
  return {
    platform: PLATFORM,
    verify: (delivery: Delivery) => paypalSignatureValid(delivery, config.PAYPAL_WEBHOOK_ID, certificates),

    handle(delivery: Delivery) {
      let body: unknown;
      try {
        body = JSON.parse(delivery.rawBody.toString("utf8"));
      } catch (err) {
        throw new InvalidPayload(`body is not valid JSON: ${(err as Error).message}`);
      }
      const event = parsePayload(PayPalEvent, body, "paypal event");
      if (!paypalTopicHandled(event.event_type))
        return { kind: "ignore", reason: `event ${event.event_type}` };
      let payment;
      try {
        payment = paypalPayment(event, fields);
      } catch (err) {
        // toMinorUnits refuses a value the currency can't hold: the body is wrong, not our service.
        if (err instanceof RangeError)
          throw new InvalidPayload(`paypal ${event.event_type}: ${err.message}`, "resource.amount");
        throw err;
      }
      const merchant = (event.resource as { payee?: { merchant_id?: unknown } }).payee?.merchant_id;
      const shop =
        typeof merchant === "string" && /^[A-Z0-9]{1,64}$/.test(merchant)
          ? merchant
          : config.PAYPAL_ACCOUNT_NAME;
      // PayPal keeps the event id across its up to 25 retries: it is the Nats-Msg-Id.
      return { kind: "publish", events: [paymentEvent(shop, event.id, payment, delivery.receivedAt)] };
    },
  };
}

export const paypal: PlatformModule<typeof env> = {
  platform: PLATFORM,
  env,
  configuredBy: ["PAYPAL_WEBHOOK_ID"],
  // The webhook id is one of the signed parts; the transmission signature is not secret but is noise.
  redact: { fields: ["PAYPAL_WEBHOOK_ID"], headers: ["paypal-transmission-sig"] },
  create: (config) => {
    if (!config) throw new Error("paypal runs only with PAYPAL_WEBHOOK_ID set");
    return createAdapter(config);
  },
  demoFollower: payPalDemo,
};
