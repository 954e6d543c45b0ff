import type { IncomingMessage } from "node:http";
import { Hono, type Context } from "hono";
import type { Logger } from "../core/log.ts";
import type { Readiness } from "../core/nats.ts";
import type { PlatformAdapter } from "../platforms/adapter.ts";
import { Counters } from "./counters.ts";
import { jsonError } from "./errors.ts";
import type { Publish } from "./publish.ts";
import { webhookRoutes } from "./routes/webhooks.ts";

export interface AppOptions {
  adapters: PlatformAdapter[];
  publish: Publish;
  ready: () => Promise<Readiness>;
  maxBytes: number;
  log: Logger;
}

/** A request from loopback that no proxy forwarded (a proxy on the same machine adds its headers). */
function fromThisMachine(c: Context): boolean {
  const address = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress;
  if (!address || c.req.header("x-forwarded-for") || c.req.header("forwarded")) return false;
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

/**
 * The webhook ingest. The browser SDK's endpoints are not here: they run in their own, lower-priority
 * process (ingest/behaviour/main.ts), so a beacon flood cannot take the CPU webhooks need.
 */
export function createApp({ adapters, publish, ready, maxBytes, log }: AppOptions): Hono {
  const counters = new Counters();
  const app = new Hono();

  // A stranger learns only that ingest is up; the machine itself (not through a proxy) sees the counts.
  app.get("/healthz", (c) =>
    fromThisMachine(c)
      ? c.json({ status: "ok", platforms: adapters.map((a) => a.platform), webhooks: counters.snapshot() })
      : c.json({ status: "ok" }),
  );
  app.get("/readyz", async (c) => {
    const readiness = await ready();
    return readiness.ready ? c.json({ status: "ready" }) : jsonError(c, 503, "not_ready", readiness.reason);
  });
  app.route("/webhooks", webhookRoutes({ adapters, publish, maxBytes, log, counters }));

  app.notFound((c) => jsonError(c, 404, "not_found", `no route for ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    log.error({ err: err.message, path: c.req.path }, "unhandled error in ingest");
    return jsonError(c, 500, "internal", "internal error");
  });
  return app;
}
