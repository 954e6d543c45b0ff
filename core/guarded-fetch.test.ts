import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_LIMITS,
  guardedFetch,
  isPrivateAddress,
  OutboundRefused,
  type OutboundPolicy,
} from "./guarded-fetch.ts";

/**
 * A local server stands in for a user-named site. It is reached as `localhost` (allow-listed as
 * the one private host, plain http allowed), so a redirect from it to `127.0.0.1` is exactly the
 * hop an attacker's site would make towards QuestDB's /exec.
 */

let server: Server;
let port: number;
const seen: { path: string; authorization: string | undefined }[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? "/";
  seen.push({ path, authorization: req.headers.authorization });
  if (path === "/to-loopback") {
    res.writeHead(302, { location: `http://127.0.0.1:${port}/exec?query=drop` }).end();
  } else if (path === "/to-self") {
    res.writeHead(301, { location: "/ok" }).end();
  } else if (path === "/loop") {
    res.writeHead(302, { location: "/loop" }).end();
  } else if (path === "/big") {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.end(Buffer.alloc(64 * 1024, 1));
  } else if (path === "/slow") {
    res.writeHead(200, { "content-type": "application/json" });
    res.write("[");
    // Never finishes: only the guard's time budget ends it.
  } else if (path === "/ok") {
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  } else {
    res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const policy = (over: Partial<OutboundPolicy> = {}): OutboundPolicy => ({
  allowHttp: true,
  privateHosts: ["localhost"],
  ...DEFAULT_LIMITS,
  ...over,
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OutboundRefused) return err.code;
    throw err;
  }
  throw new Error("the request was not refused");
}

describe("guardedFetch", () => {
  it("answers like fetch for an allowed host, following a same-site redirect", async () => {
    const response = await guardedFetch(`http://localhost:${port}/to-self`, {}, policy());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it("refuses a redirect to 127.0.0.1 and never sends the request there", async () => {
    seen.length = 0;
    expect(await refusal(guardedFetch(`http://localhost:${port}/to-loopback`, {}, policy()))).toBe(
      "private_address",
    );
    expect(seen.map((s) => s.path)).toEqual(["/to-loopback"]);
  });

  it("refuses a host that resolves to loopback unless it is allow-listed", async () => {
    expect(await refusal(guardedFetch(`http://localhost:${port}/ok`, {}, policy({ privateHosts: [] })))).toBe(
      "private_address",
    );
    expect(await refusal(guardedFetch(`http://127.0.0.1:${port}/ok`, {}, policy()))).toBe("private_address");
    expect(await refusal(guardedFetch(`http://[::1]:${port}/ok`, {}, policy()))).toBe("private_address");
  });

  it("refuses plain http unless the policy allows it", async () => {
    expect(await refusal(guardedFetch(`http://localhost:${port}/ok`, {}, policy({ allowHttp: false })))).toBe(
      "scheme",
    );
    expect(await refusal(guardedFetch("file:///etc/passwd", {}, policy()))).toBe("scheme");
  });

  it("stops at the redirect limit", async () => {
    seen.length = 0;
    expect(
      await refusal(guardedFetch(`http://localhost:${port}/loop`, {}, policy({ maxRedirects: 3 }))),
    ).toBe("too_many_redirects");
    expect(seen).toHaveLength(4);
  });

  it("stops reading an answer past maxBytes", async () => {
    expect(
      await refusal(guardedFetch(`http://localhost:${port}/big`, {}, policy({ maxBytes: 16 * 1024 }))),
    ).toBe("too_large");
    const whole = await guardedFetch(`http://localhost:${port}/big`, {}, policy({ maxBytes: 64 * 1024 }));
    expect((await whole.arrayBuffer()).byteLength).toBe(64 * 1024);
  });

  it("gives up on an answer that never ends, within its time budget", async () => {
    expect(await refusal(guardedFetch(`http://localhost:${port}/slow`, {}, policy({ timeoutMs: 300 })))).toBe(
      "timeout",
    );
  });

  it("drops credentials on a redirect to another origin", async () => {
    seen.length = 0;
    // localhost → 127.0.0.1 is another origin; allow-list both so the second hop is made.
    const both = policy({ privateHosts: ["localhost", "127.0.0.1"] });
    await guardedFetch(
      `http://localhost:${port}/to-loopback`,
      { headers: { authorization: "Basic c2VjcmV0" } },
      both,
    );
    expect(seen).toEqual([
      { path: "/to-loopback", authorization: "Basic c2VjcmV0" },
      { path: "/exec?query=drop", authorization: undefined },
    ]);
  });
});

describe("isPrivateAddress", () => {
  it.each([
    ["127.0.0.1", true],
    ["10.1.2.3", true],
    ["172.31.255.255", true],
    ["172.32.0.1", false],
    ["192.168.1.1", true],
    ["169.254.169.254", true],
    ["100.64.0.1", true],
    ["0.0.0.0", true],
    ["::1", true],
    ["::ffff:127.0.0.1", true],
    ["fd00::1", true],
    ["fe80::1", true],
    ["8.8.8.8", false],
    ["2606:4700:4700::1111", false],
  ])("%s → %s", (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});
