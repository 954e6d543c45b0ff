import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { sameOrigin } from "./same-origin.ts";

/** An API behind the guard as a loopback-bound service has it; `changed` counts what got through. */
function app(options: Parameters<typeof sameOrigin>[0]) {
  let changed = 0;
  const api = new Hono();
  api.use("*", sameOrigin(options));
  api.get("/api/rules", (c) => c.json({ rules: [] }));
  api.put("/api/rules/:id", (c) => {
    changed++;
    return c.json({ ok: true });
  });
  api.delete("/api/rules/:id", (c) => {
    changed++;
    return c.body(null, 204);
  });
  return { api, changed: () => changed };
}

const local = { hosts: ["127.0.0.1:8090", "localhost:8090"] };
const put = (headers: Record<string, string>, body = '{"id":"r"}') =>
  new Request("http://127.0.0.1:8090/api/rules/r", { method: "PUT", headers, body });

describe("sameOrigin", () => {
  it("lets the settings page's own JSON request through", async () => {
    const { api, changed } = app(local);
    const res = await api.request(
      put({ host: "127.0.0.1:8090", "content-type": "application/json", origin: "http://127.0.0.1:8090" }),
    );
    expect(res.status).toBe(200);
    expect(changed()).toBe(1);
  });

  it("refuses a cross-site form post: text/plain is 415, a foreign Origin 403, and nothing changes", async () => {
    const { api, changed } = app(local);
    const form = await api.request(
      put({ host: "127.0.0.1:8090", "content-type": "text/plain", origin: "https://evil.example" }),
    );
    expect(form.status).toBe(415);
    const foreign = await api.request(
      put({ host: "127.0.0.1:8090", "content-type": "application/json", origin: "https://evil.example" }),
    );
    expect(foreign.status).toBe(403);
    const crossSite = await api.request(
      put({ host: "127.0.0.1:8090", "content-type": "application/json", "sec-fetch-site": "cross-site" }),
    );
    expect(crossSite.status).toBe(403);
    const del = await api.request(
      new Request("http://127.0.0.1:8090/api/rules/r", {
        method: "DELETE",
        headers: { host: "127.0.0.1:8090", origin: "https://evil.example" },
      }),
    );
    expect(del.status).toBe(403);
    expect(changed()).toBe(0);
  });

  it("refuses a rebound DNS name (another Host), reads included", async () => {
    const { api, changed } = app(local);
    const read = await api.request(
      new Request("http://127.0.0.1:8090/api/rules", { headers: { host: "rebind.evil.example:8090" } }),
    );
    expect(read.status).toBe(421);
    const write = await api.request(
      put({
        host: "rebind.evil.example:8090",
        "content-type": "application/json",
        origin: "http://rebind.evil.example:8090",
      }),
    );
    expect(write.status).toBe(421);
    expect(changed()).toBe(0);
  });

  it("accepts the public URL's origin behind a proxy", async () => {
    const { api } = app({ origins: ["https://alerts.example.com"] });
    const res = await api.request(
      put({
        host: "10.0.0.5:8090",
        "content-type": "application/json",
        origin: "https://alerts.example.com",
      }),
    );
    expect(res.status).toBe(200);
  });
});
