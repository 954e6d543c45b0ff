import { z } from "zod";
import { loadConfig } from "../../core/env.ts";
import { createLogger } from "../../core/log.ts";
import { BigCommerceClient } from "./client.ts";
import { ensureHooks } from "./index.ts";

/**
 * `node platforms/bigcommerce/setup-hooks.ts https://<ingest's public address>`: creates the
 * BigCommerce hooks MetricsDash consumes, each sending BIGCOMMERCE_WEBHOOK_SECRET back in
 * `X-Webhook-Secret`. Safe to run again; after a secret rotation it updates our hooks' header.
 */
const log = createLogger("setup-hooks");
const config = loadConfig(
  z.object({
    BIGCOMMERCE_STORE_HASH: z.string().regex(/^[a-z0-9]+$/),
    BIGCOMMERCE_ACCESS_TOKEN: z.string().min(1),
    BIGCOMMERCE_WEBHOOK_SECRET: z.string().min(16),
    BIGCOMMERCE_API_URL: z.url().default("https://api.bigcommerce.com"),
  }),
);
const base = process.argv[2];
if (!base || !/^https:\/\//.test(base)) {
  console.error(
    "usage: node platforms/bigcommerce/setup-hooks.ts https://<ingest's public address> (port 443)",
  );
  process.exit(2);
}
const client = new BigCommerceClient({
  apiUrl: config.BIGCOMMERCE_API_URL,
  storeHash: config.BIGCOMMERCE_STORE_HASH,
  accessToken: config.BIGCOMMERCE_ACCESS_TOKEN,
  log,
});
const result = await ensureHooks(
  client,
  `${base.replace(/\/+$/, "")}/webhooks/bigcommerce`,
  config.BIGCOMMERCE_WEBHOOK_SECRET,
);
log.info(result, "hooks in place");
