import type { Context } from "hono";

/**
 * What a request says about the client and the scheme, read from the socket unless the service is
 * told it sits behind a proxy it trusts (then from the proxy's `X-Forwarded-*`, which anyone else
 * could forge).
 */

/** The client's address, from the socket (or the proxy's last hop): for rate limits and hashing only. */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const hops = c.req.header("x-forwarded-for")?.split(",");
    const last = hops?.[hops.length - 1]?.trim();
    if (last) return last;
  }
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "unknown";
}

/** Whether the browser reached us over https: the URL's scheme, or the trusted proxy's last `X-Forwarded-Proto`. */
export function servedOverHttps(c: Context, trustProxy: boolean): boolean {
  if (trustProxy) {
    const hops = c.req.header("x-forwarded-proto")?.split(",");
    const last = hops?.[hops.length - 1]?.trim().toLowerCase();
    if (last) return last === "https";
  }
  return new URL(c.req.url).protocol === "https:";
}
