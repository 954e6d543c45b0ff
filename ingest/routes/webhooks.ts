import { Hono } from "hono";
import { isStoreRefusal } from "../../core/jetstream-errors.ts";
import { overlongName } from "../../core/limits.ts";
import type { Logger } from "../../core/log.ts";
import { InvalidPayload, type Delivery, type PlatformAdapter } from "../../platforms/adapter.ts";
import { rawRequest } from "../body.ts";
import { jsonError } from "../errors.ts";
import type { Publish } from "../publish.ts";
import type { Counters } from "../counters.ts";

export interface WebhookRoutesOptions {
  adapters: PlatformAdapter[];
  publish: Publish;
  maxBytes: number;
  log: Logger;
  counters: Counters;
}

const JSON_TYPES = ["application/json"];

/**
 * Seconds a refused sender is asked to wait: about how long the processors take to make room in a
 * full stream (processors/stream-trim runs every second once they have caught up).
 */
export const RETRY_AFTER_SECONDS = 5;

/**
 * `POST /webhooks/<platform>`: verify, normalise, publish, and nothing else — no database work,
 * because Shopify counts a delivery as failed after 5 s and the broker's ack is all we wait for.
 */
export function webhookRoutes({ adapters, publish, maxBytes, log, counters }: WebhookRoutesOptions): Hono {
  const routes = new Hono();

  for (const adapter of adapters) {
    const accepted = adapter.contentTypes ?? JSON_TYPES;
    routes.post(`/${adapter.platform}`, async (c) => {
      const request = rawRequest(c, maxBytes);
      const mediaType = (request.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (!accepted.includes(mediaType)) {
        return jsonError(
          c,
          415,
          "unsupported_media_type",
          `expected ${accepted.join(" or ")}, got "${mediaType || "none"}"`,
        );
      }
      const rawBody = await request.body();
      if (!rawBody) return jsonError(c, 413, "payload_too_large", `body exceeds ${maxBytes} bytes`);
      const delivery: Delivery = {
        header: request.header,
        query: (name) => c.req.query(name),
        rawBody,
        receivedAt: new Date().toISOString(),
      };
      if (!(await adapter.verify(delivery))) {
        counters.add(adapter.platform, "unauthorized");
        return jsonError(c, 401, "invalid_signature", `${adapter.platform} signature missing or invalid`);
      }

      let result;
      try {
        result = adapter.handle(delivery);
      } catch (err) {
        if (!(err instanceof InvalidPayload)) throw err;
        counters.add(adapter.platform, "invalid");
        log.warn({ platform: adapter.platform, field: err.field, reason: err.message }, "webhook rejected");
        return jsonError(c, 400, "invalid_payload", err.message, err.field);
      }
      if (result.kind === "ignore") {
        counters.add(adapter.platform, `ignored ${result.reason}`);
        return c.json({ ok: true, ignored: result.reason });
      }

      // Names become subject tokens and KV keys downstream: one too long is refused here, at the edge.
      const overlong = result.events.map((event) => overlongName(event)).find((field) => field !== null);
      if (overlong) {
        counters.add(adapter.platform, "invalid");
        log.warn({ platform: adapter.platform, field: overlong }, "webhook rejected: name too long");
        return jsonError(c, 400, "invalid_payload", `${overlong} is too long`, overlong);
      }

      // Marked here, where it is true: the processors keep each shop's last webhook from it.
      for (const event of result.events) event.via = "webhook";
      try {
        const { duplicates } = await publish(result.events);
        counters.add(adapter.platform, duplicates ? "duplicate" : "published");
        return c.json({ ok: true, events: result.events.length, duplicates });
      } catch (err) {
        // Both refusals leave nothing half-stored that matters: the retry's events are deduped by msg id.
        c.header("Retry-After", String(RETRY_AFTER_SECONDS));
        if (isStoreRefusal(err)) {
          counters.add(adapter.platform, "stream full");
          log.warn(
            { platform: adapter.platform },
            "stream EVENTS full: webhook refused with 503, the platform retries",
          );
          return jsonError(c, 503, "stream_full", "event stream full, retry later");
        }
        counters.add(adapter.platform, "unavailable");
        log.error({ platform: adapter.platform, err: (err as Error).message }, "publish to JetStream failed");
        return jsonError(c, 503, "unavailable", "event store unavailable, retry later");
      }
    });
  }
  return routes;
}
