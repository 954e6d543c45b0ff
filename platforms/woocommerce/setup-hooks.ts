import { z } from "zod";
import { loadConfig } from "../../core/env.ts";
import { createLogger } from "../../core/log.ts";
import { WOO_TOPICS, WooClient } from "./client.ts";

/**
 * `node platforms/woocommerce/setup-hooks.ts https://<ingest's public address>`: creates the
 * WooCommerce webhooks MetricsDash consumes, signed with WOOCOMMERCE_WEBHOOK_SECRET, with the store's
 * REST key (read/write). Safe to run again: topics that already have our hook are left alone.
 */
const log = createLogger("setup-hooks");
const config = loadConfig(
  z.object({
    WOOCOMMERCE_STORE_URL: z.url(),
    WOOCOMMERCE_CONSUMER_KEY: z.string().min(1),
    WOOCOMMERCE_CONSUMER_SECRET: z.string().min(1),
    WOOCOMMERCE_WEBHOOK_SECRET: z.string().min(16),
  }),
);
const base = process.argv[2];
if (!base || !/^https?:\/\//.test(base)) {
  console.error("usage: node platforms/woocommerce/setup-hooks.ts https://<ingest's public address>");
  process.exit(2);
}
const client = new WooClient(
  config.WOOCOMMERCE_STORE_URL,
  config.WOOCOMMERCE_CONSUMER_KEY,
  config.WOOCOMMERCE_CONSUMER_SECRET,
  log,
);
const created = await client.ensureWebhooks(
  `${base.replace(/\/+$/, "")}/webhooks/woocommerce`,
  config.WOOCOMMERCE_WEBHOOK_SECRET,
  WOO_TOPICS,
);
log.info({ created }, created.length ? "webhooks created" : "webhooks already in place");
