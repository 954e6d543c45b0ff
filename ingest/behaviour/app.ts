import { Hono } from "hono";
import type { Logger } from "../../core/log.ts";
import type { Readiness } from "../../core/nats.ts";
import { jsonError } from "../errors.ts";
import { collectRoutes, type CollectOptions } from "./collect.ts";

export interface BehaviourAppOptions extends CollectOptions {
  ready: () => Promise<Readiness>;
  log: Logger;
}

/**
 * The behaviour process's HTTP app: the browser SDK's endpoints (`/sdk.js`, `/collect`, `/heatmap`,
 * `/heatmap/open`) and its own `/healthz` and `/readyz`. Webhooks are not served here (ingest/app.ts).
 */
export function behaviourApp({ ready, ...collect }: BehaviourAppOptions): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const readiness = await ready();
    return readiness.ready ? c.json({ status: "ready" }) : jsonError(c, 503, "not_ready", readiness.reason);
  });
  app.route("/", collectRoutes(collect));
  app.notFound((c) => jsonError(c, 404, "not_found", `no route for ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    collect.log.error({ err: err.message, path: c.req.path }, "unhandled error in behaviour");
    return jsonError(c, 500, "internal", "internal error");
  });
  return app;
}
