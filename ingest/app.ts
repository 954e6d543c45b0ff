import { Hono } from "hono";
import type { Logger } from "../core/log.ts";
import type { PlatformAdapter } from "../platforms/adapter.ts";
import { Counters } from "./counters.ts";
import { jsonError } from "./errors.ts";
import type { Publish } from "./publish.ts";
import { webhookRoutes } from "./routes/webhooks.ts";
import { collectRoutes, type CollectOptions } from "./routes/collect.ts";

export interface AppOptions {
  adapters: PlatformAdapter[];
  publish: Publish;
  ready: () => Promise<boolean>;
  maxBytes: number;
  log: Logger;
  /** The browser SDK's endpoints (`/sdk.js`, `/collect`, `/heatmap`). */
  behaviour?: CollectOptions;
}

export function createApp({ adapters, publish, ready, maxBytes, log, behaviour }: AppOptions): Hono {
  const counters = new Counters();
  const app = new Hono();

  app.get("/healthz", (c) =>
    c.json({ status: "ok", platforms: adapters.map((a) => a.platform), webhooks: counters.snapshot() }),
  );
  app.get("/readyz", async (c) =>
    (await ready())
      ? c.json({ status: "ready" })
      : jsonError(c, 503, "not_ready", "NATS not connected or stream EVENTS missing"),
  );
  app.route("/webhooks", webhookRoutes({ adapters, publish, maxBytes, log, counters }));
  if (behaviour) app.route("/", collectRoutes(behaviour));

  app.notFound((c) => jsonError(c, 404, "not_found", `no route for ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    log.error({ err: err.message, path: c.req.path }, "unhandled error in ingest");
    return jsonError(c, 500, "internal", "internal error");
  });
  return app;
}
