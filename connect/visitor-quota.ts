import type { Context, MiddlewareHandler } from "hono";
import { clientAddress } from "../core/behind-proxy.ts";
import type { Logger } from "../core/log.ts";
import { RateLimiter } from "../core/rate-limit.ts";
import { problemPage, PROBLEMS } from "./pages.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How many stores one anonymous visitor (a client address) may start connecting a day. Every connect
 * reads the named site and starts a history job, so without a cap one visitor could fill NATS and
 * the platforms' rate limits with stores of their own making. Addresses stay in memory only.
 */
export function visitorQuota(options: {
  storesPerDay: number;
  trustProxy: boolean;
  log: Logger;
}): MiddlewareHandler {
  const limiter = new RateLimiter(options.storesPerDay, options.storesPerDay / DAY_MS);
  return async (c: Context, next) => {
    if (limiter.take(clientAddress(c, options.trustProxy))) return next();
    // The address is personal data: the log says what happened, not who.
    options.log.warn(
      { path: c.req.path, perDay: options.storesPerDay },
      "store connect refused: visitor over quota",
    );
    return c.html(problemPage("too_many_stores"), PROBLEMS.too_many_stores.status);
  };
}
