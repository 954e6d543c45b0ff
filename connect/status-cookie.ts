import { createHmac } from "node:crypto";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { boundedToken } from "../core/events.ts";
import { secretMatches } from "../core/signature.ts";

/**
 * A store's status page shows its order counts, so only the browser that connected it may read it:
 * the flow that connected the store leaves a keyed HMAC of the store in an HttpOnly cookie scoped to
 * the page. One signer for every flow (connect/stores.ts `statusCookie`); `parts` name the store
 * (platform and shop).
 */
export interface StatusAccess {
  /** The Set-Cookie value for the store's status page at `path`. */
  cookie(parts: readonly string[], path: string): string;
  /** Does this request carry the store's cookie? Compared in constant time. */
  allowed(c: Context, parts: readonly string[]): boolean;
}

const THIRTY_DAYS = 30 * 24 * 60 * 60;

export function statusAccess(key: string | Buffer, prefix: string): StatusAccess {
  const name = (parts: readonly string[]) => `${prefix}${boundedToken(parts.join("."))}`;
  const value = (parts: readonly string[]) =>
    createHmac("sha256", key)
      .update(["status", ...parts].join("\u0000"))
      .digest("base64url");
  return {
    cookie: (parts, path) =>
      `${name(parts)}=${value(parts)}; Path=${path}; HttpOnly; SameSite=Lax; Max-Age=${THIRTY_DAYS}`,
    allowed: (c, parts) => secretMatches(value(parts), getCookie(c, name(parts))),
  };
}
