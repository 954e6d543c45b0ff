import type { Hono, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { servedOverHttps } from "../core/behind-proxy.ts";
import { isLoopbackHost, loopbackHosts, sameOrigin } from "../core/same-origin.ts";
import { jsonError } from "../core/http-error.ts";

/** What connect checks on every request before a route sees it. */
export interface ConnectEdgeOptions {
  /** CONNECT_PUBLIC_URL: its origin may post forms, its host always answers. */
  publicUrl: string;
  /** The address connect listens on; bound to loopback, only loopback names and the public host answer. */
  listenHost: string;
  port: number;
  /** CONNECT_TRUST_PROXY: read the scheme from `X-Forwarded-Proto` (a proxy that sets it must be in front). */
  trustProxy: boolean;
  /** Largest body any route takes; routes keep their own smaller limits. */
  maxBodyBytes?: number;
}

/** Platforms' key deliveries and app webhooks are the largest bodies connect takes (Shopify's, ≤ 1 MiB). */
export const CONNECT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Connect's edge, as alerting's: `Host` checked against DNS rebinding when bound to loopback, forms
 * only from our own origin (CSRF), bodies bounded, and every cookie `Secure` when the browser came
 * over https.
 */
export function mountConnectEdge(app: Hono, options: ConnectEdgeOptions): void {
  const publicUrl = new URL(options.publicUrl);
  const maxSize = options.maxBodyBytes ?? CONNECT_MAX_BODY_BYTES;
  app.use(
    "*",
    sameOrigin({
      ...(isLoopbackHost(options.listenHost)
        ? { hosts: [...loopbackHosts(options.port), publicUrl.host.toLowerCase()] }
        : {}),
      origins: [publicUrl.origin],
      requireJson: false,
    }),
  );
  app.use(
    "*",
    bodyLimit({
      maxSize,
      onError: (c) => jsonError(c, 413, "payload_too_large", `body exceeds ${maxSize} bytes`),
    }),
  );
  app.use("*", secureCookies(options.trustProxy));
}

const SECURE = /;\s*secure\s*(;|$)/i;

/** Adds `Secure` to every cookie of a response served over https, whichever route set it. */
export function secureCookies(trustProxy: boolean): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!servedOverHttps(c, trustProxy)) return;
    const cookies = c.res.headers.getSetCookie();
    if (cookies.every((cookie) => SECURE.test(cookie))) return;
    // Hono's setter copies the response with mutable headers (a route's may be immutable).
    c.res = new Response(c.res.body, c.res);
    c.res.headers.delete("set-cookie");
    for (const cookie of cookies)
      c.res.headers.append("set-cookie", SECURE.test(cookie) ? cookie : `${cookie}; Secure`);
  };
}
