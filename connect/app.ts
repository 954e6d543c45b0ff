import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "../core/log.ts";
import { MAX_LENGTH } from "../core/limits.ts";
import { isStoreRefusal } from "../core/jetstream-errors.ts";
import { isNatsAway } from "../core/nats.ts";
import { connectPage } from "./pages.ts";
import type { ConnectFlow } from "./flow.ts";
import { mountStoreStatus, type StoresContext } from "./stores.ts";
import { mountConnectEdge, type ConnectEdgeOptions } from "./edge.ts";
import { jsonError } from "../core/http-error.ts";

export interface ConnectAppOptions {
  /** What stores connect through: the shared context and every source's flow that is switched on. */
  stores?: { ctx: StoresContext; flows: ConnectFlow[] } | undefined;
  log: Logger;
  ready: () => Promise<boolean>;
  /** Host, Origin, body size and cookie checks on every request (absent: none, for route tests). */
  edge?: ConnectEdgeOptions;
}

/** A path part as a route parameter sees it (decoded), or as it came when it isn't valid percent-encoding. */
function pathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch (err) {
    if (!(err instanceof URIError)) throw err;
    return part;
  }
}

export function createConnectApp(options: ConnectAppOptions): Hono {
  const { log } = options;
  const app = new Hono();
  const flows = options.stores?.flows ?? [];

  // A path part longer than any shop name can't name a store: 404 before it reaches a KV key (one
  // of 4,100 characters once made nats-server drop the service's connection).
  app.use("*", async (c, next) => {
    if (c.req.path.split("/").some((part) => pathPart(part).length > MAX_LENGTH.shop))
      return jsonError(c, 404, "not_found", "no such page");
    await next();
  });
  if (options.edge) mountConnectEdge(app, options.edge);
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) =>
    (await options.ready()) ? c.json({ status: "ready" }) : c.json({ status: "not ready" }, 503),
  );

  app.get("/", (c) =>
    c.html(connectPage({ sections: flows.map((flow) => flow.section((name) => c.req.query(name))) })),
  );
  if (options.stores) {
    mountStoreStatus(app, options.stores.ctx, options.stores.flows);
    for (const flow of options.stores.flows) flow.mount(app, options.stores.ctx);
  }

  app.notFound((c) => jsonError(c, 404, "not_found", `no route for ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    // Middleware that refuses by throwing (basicAuth, bodyLimit) keeps its own answer.
    if (err instanceof HTTPException) return err.getResponse();
    // KV reads while NATS is away, or a publish a full EVENTS stream refused: the page is there again
    // in a moment, so say so (as ingest does).
    if (isNatsAway(err) || isStoreRefusal(err)) {
      log.warn(
        { err: err.message, path: c.req.path },
        "connect answered 503: NATS is away or the event stream is full",
      );
      return jsonError(c, 503, "unavailable", "try again in a moment");
    }
    log.error({ err: err.message, path: c.req.path }, "unhandled error in connect");
    return jsonError(c, 500, "internal", "internal error");
  });
  return app;
}
