import type { MiddlewareHandler } from "hono";
import { jsonError } from "./http-error.ts";

/**
 * For APIs and forms that change state, a browser must not be made to call them from elsewhere:
 *
 * - CSRF: a page on another site posting to us (a form can send `text/plain`, which a JSON parser
 *   reads happily). A state change must carry `Content-Type: application/json` (415 otherwise; a
 *   cross-site form can't set it without a CORS preflight we never answer), and its `Origin`, when
 *   the browser sends one, must be ours, as must `Sec-Fetch-Site` (403).
 * - DNS rebinding: a site whose name re-resolves to 127.0.0.1 reaches a loopback-only service
 *   "same-origin". Its requests still name the attacker's host in `Host`: with `hosts` given, any
 *   request (reads too) naming another host is refused (421).
 */
export interface SameOriginOptions {
  /** `host[:port]` values this service answers to, lower case; absent: any host (a password guards it). */
  hosts?: readonly string[];
  /** Origins besides the request's own host that may change state (a public URL behind a proxy). */
  origins?: readonly string[];
  /**
   * Whether a state change must be JSON (default). Off for a service whose POSTs are forms of its
   * own and platforms' server-to-server deliveries (connect): those send no `Origin`, browsers do.
   */
  requireJson?: boolean;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function sameOrigin({
  hosts,
  origins = [],
  requireJson = true,
}: SameOriginOptions = {}): MiddlewareHandler {
  return async (c, next) => {
    const host = (c.req.header("host") ?? "").toLowerCase();
    if (hosts && !hosts.includes(host))
      return jsonError(c, 421, "misdirected", `this service does not answer as ${host}`);
    if (SAFE_METHODS.has(c.req.method)) return next();

    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const hasBody = c.req.header("content-length") !== "0" && c.req.method !== "DELETE";
    if (requireJson && hasBody && type !== "application/json")
      return jsonError(
        c,
        415,
        "unsupported_media_type",
        `expected application/json, got "${type || "none"}"`,
      );
    const origin = c.req.header("origin");
    const own = [`http://${host}`, `https://${host}`, ...origins];
    if (origin !== undefined && !own.includes(origin.toLowerCase()))
      return jsonError(c, 403, "cross_origin", `requests from ${origin} may not change this`);
    const site = c.req.header("sec-fetch-site");
    if (site !== undefined && site !== "same-origin" && site !== "none")
      return jsonError(c, 403, "cross_origin", "cross-site requests may not change this");
    return next();
  };
}

/** Whether a listen address only takes connections from this machine. */
export const isLoopbackHost = (host: string): boolean =>
  ["127.0.0.1", "::1", "localhost"].includes(host.toLowerCase()) || /^127\./.test(host);

/** The `Host` values a loopback-bound service on `port` is reached by. */
export const loopbackHosts = (port: number): string[] =>
  ["127.0.0.1", "localhost", "[::1]"].map((name) => `${name}:${port}`);
