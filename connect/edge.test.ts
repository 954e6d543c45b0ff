import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { statusAccess } from "./status-cookie.ts";
import { mountConnectEdge } from "./edge.ts";

/** Connect's edge on a bare app, with a route that sets a status cookie as the connect flows do. */
function app(trustProxy: boolean) {
  const hono = new Hono();
  mountConnectEdge(hono, {
    publicUrl: "https://connect.example",
    listenHost: "0.0.0.0",
    port: 8081,
    trustProxy,
  });
  const access = statusAccess("k".repeat(32), "md_status_");
  hono.get("/done", (c) => {
    c.header("set-cookie", access.cookie(["shop.example"], "/status/shop.example"), { append: true });
    c.header("set-cookie", "already=1; Path=/; Secure", { append: true });
    return c.text("ok");
  });
  return hono;
}

const cookies = async (hono: Hono, url: string, headers: Record<string, string> = {}) =>
  (await hono.request(url, { headers })).headers.getSetCookie();
const secure = (cookie: string) => /;\s*secure\s*(;|$)/i.test(cookie);

describe("connect's cookies", () => {
  it("are Secure when the request came over https, once each", async () => {
    const set = await cookies(app(false), "https://connect.example/done");
    expect(set).toHaveLength(2);
    expect(set.every(secure)).toBe(true);
    expect(set[1]).toBe("already=1; Path=/; Secure");
  });

  it("take the scheme from X-Forwarded-Proto only when the proxy is trusted", async () => {
    const behindProxy = { "x-forwarded-proto": "https" };
    expect((await cookies(app(true), "http://127.0.0.1:8081/done", behindProxy)).every(secure)).toBe(true);
    // Untrusted, the header is anyone's: the cookie is as the route set it.
    expect((await cookies(app(false), "http://127.0.0.1:8081/done", behindProxy))[0]).not.toMatch(/Secure/);
    expect(
      (await cookies(app(true), "http://127.0.0.1:8081/done", { "x-forwarded-proto": "http" }))[0],
    ).not.toMatch(/Secure/);
  });
});
