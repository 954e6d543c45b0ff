import type { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { customerKey } from "../../core/identity.ts";
import { parseJsonExact } from "../../core/json.ts";
import type { Logger } from "../../core/log.ts";
import type { QuestDb } from "../../core/questdb.ts";
import { hmacSha256Matches } from "../../core/signature.ts";
import { redactCustomer, redactShop } from "../../connect/redact.ts";
import { ReplayGuard } from "./replay-guard.ts";
import type { Connections } from "../connections.ts";
import type { ShopifyCheckpoints } from "./checkpoints.ts";
import { PLATFORM } from "./constants.ts";
import type { ShopifyHistory } from "./history.ts";
import { jsonError } from "../../core/http-error.ts";

/** Where Shopify delivers app/uninstalled and the three mandatory compliance topics. */
export const APP_WEBHOOK_PATH = "/webhooks/shopify/app";

export interface AppWebhookDeps {
  apiSecret: string;
  customerHashKey: string;
  sanitizeShop(input: string): string | null;
  connections: Connections;
  checkpoints: ShopifyCheckpoints;
  history: ShopifyHistory;
  db: QuestDb;
  log: Logger;
}

type AppWebhookBody = {
  customer?: { id?: string | number };
  shop_domain?: unknown;
  myshopify_domain?: unknown;
};

/** Shopify's app webhooks are small JSON documents; a megabyte is far beyond any of them. */
const MAX_BODY_BYTES = 1024 * 1024;

/** app/uninstalled and the compliance topics. Shopify signs them like any webhook, with the app's secret. */
export function mountAppWebhooks(app: Hono, deps: AppWebhookDeps): void {
  const replays = new ReplayGuard();
  app.post(
    APP_WEBHOOK_PATH,
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => jsonError(c, 413, "payload_too_large", `body exceeds ${MAX_BODY_BYTES} bytes`),
    }),
    async (c) => {
      const raw = Buffer.from(await c.req.arrayBuffer());
      if (!hmacSha256Matches(deps.apiSecret, raw, c.req.header("x-shopify-hmac-sha256"), "base64"))
        return jsonError(c, 401, "invalid_signature", "shopify signature missing or invalid");
      const topic = c.req.header("x-shopify-topic") ?? "";
      const shop = deps.sanitizeShop(c.req.header("x-shopify-shop-domain") ?? "");
      if (!shop) return jsonError(c, 400, "invalid_payload", "missing X-Shopify-Shop-Domain");
      let body: AppWebhookBody;
      try {
        body = parseJsonExact(raw.toString("utf8")) as AppWebhookBody;
      } catch {
        return jsonError(c, 400, "invalid_payload", "body is not JSON");
      }
      // The header is not signed, the body is: a signed delivery of one shop must not act on another.
      const bodyShop = body?.shop_domain ?? body?.myshopify_domain;
      if (typeof bodyShop !== "string" || bodyShop.toLowerCase() !== shop)
        return jsonError(
          c,
          400,
          "shop_mismatch",
          "X-Shopify-Shop-Domain does not match the shop in the body",
        );
      const webhookId = c.req.header("x-shopify-webhook-id");
      const verdict = replays.claim(webhookId, c.req.header("x-shopify-triggered-at"));
      if (!verdict.ok) {
        if (verdict.reason === "duplicate") return c.json({ ok: true, duplicate: true });
        return jsonError(c, 400, `replay_${verdict.reason}`, verdict.message);
      }
      try {
        return await appWebhook(deps, topic, shop, body);
      } catch (err) {
        // Not handled: Shopify's retry of this webhook id must get through.
        replays.release(webhookId!);
        throw err;
      }
    },
  );
}

/** What app/uninstalled and the compliance topics do, once the delivery is verified, matched and new. */
async function appWebhook(
  deps: AppWebhookDeps,
  topic: string,
  shop: string,
  body: AppWebhookBody,
): Promise<Response> {
  const { log } = deps;
  switch (topic) {
    case "app/uninstalled":
      await uninstalled(deps, shop);
      return Response.json({ ok: true });
    case "customers/data_request":
      // Nothing to send: no names, emails, addresses or customer ids are kept (only a keyed hash).
      log.info({ shop, topic }, "customer data request: MetricsDash holds no personal data");
      return Response.json({ ok: true, personalData: "none held" });
    case "customers/redact": {
      const id = body.customer?.id;
      if (id !== undefined) {
        const key = customerKey(deps.customerHashKey, PLATFORM, shop, String(id));
        void redactCustomer(deps.db, PLATFORM, shop, key).catch((err: unknown) =>
          log.error({ shop, err: String(err) }, "customer redaction failed"),
        );
      }
      log.info({ shop, topic }, "customer redaction: customer key cleared from the shop's orders");
      return Response.json({ ok: true });
    }
    case "shop/redact":
      await redactRequested(deps, shop);
      return Response.json({ ok: true });
    default:
      return Response.json({ ok: true, ignored: `topic ${topic}` });
  }
}

/** The history stops at once and the token goes; the shop's settings stay for its status page. */
async function uninstalled(deps: AppWebhookDeps, shop: string): Promise<void> {
  const { checkpoints } = deps;
  await deps.history.stop(shop);
  await deps.connections.disconnect(PLATFORM, shop);
  const cp = await checkpoints.get(shop);
  if (cp && cp.phase !== "done")
    await checkpoints.save({ ...cp, phase: "stopped", updatedAt: new Date().toISOString() });
  deps.log.info({ shop }, "app uninstalled: backfill stopped, token dropped");
}

/** Work stopped and the token gone now; the rows are rewritten after the answer (Shopify waits 5 s), and logged. */
async function redactRequested(deps: AppWebhookDeps, shop: string): Promise<void> {
  const { connections, log } = deps;
  log.info(
    { shop, topic: "shop/redact" },
    "shop redaction requested: stopping work, removing tokens, settings and rows",
  );
  await deps.history.stop(shop);
  await Promise.all([connections.disconnect(PLATFORM, shop), deps.checkpoints.drop(shop)]);
  void redactShop(deps.db, PLATFORM, shop, log).then(
    () => connections.remove(PLATFORM, shop),
    (err: unknown) =>
      log.error({ shop, err: String(err) }, "shop redaction failed; retry by resending shop/redact"),
  );
}
