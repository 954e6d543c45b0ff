import { z } from "zod";
import { unsetIfEmpty } from "../../core/env.ts";

/** The connect service's BigCommerce settings: the app install (optional) and where BigCommerce is. */
export const bigCommerceConnectEnv = z
  .object({
    /** The BigCommerce app's client id and secret (Developer Portal), for installs from the BigCommerce control panel. */
    BIGCOMMERCE_CLIENT_ID: unsetIfEmpty(z.string()),
    BIGCOMMERCE_CLIENT_SECRET: unsetIfEmpty(
      z.string().min(16, "BIGCOMMERCE_CLIENT_SECRET must be at least 16 characters"),
    ),
    /** BigCommerce's OAuth server and REST API; a fake or a proxy can stand in. */
    BIGCOMMERCE_LOGIN_URL: z.url().default("https://login.bigcommerce.com"),
    BIGCOMMERCE_API_URL: z.url().default("https://api.bigcommerce.com"),
  })
  .refine((env) => Boolean(env.BIGCOMMERCE_CLIENT_ID) === Boolean(env.BIGCOMMERCE_CLIENT_SECRET), {
    message: "BIGCOMMERCE_CLIENT_ID and BIGCOMMERCE_CLIENT_SECRET go together",
    path: ["BIGCOMMERCE_CLIENT_SECRET"],
  });

export type BigCommerceConnectEnv = z.infer<typeof bigCommerceConnectEnv>;
