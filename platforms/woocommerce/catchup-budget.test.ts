import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import { MAX_CATCHUP_PAGES, WooClient } from "./client.ts";

/** A store whose X-WP-TotalPages claims a billion pages (a bug or a hostile site). */
let server: Server;
let site: string;
let pagesServed = 0;
let empty = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    pagesServed++;
    res.writeHead(200, { "content-type": "application/json", "x-wp-totalpages": "1000000000" });
    res.end(empty ? "[]" : "[{}]");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function readAll(): Promise<number> {
  const client = new WooClient(site, "ck_x", "cs_x", createLogger("test", "silent"));
  let pages = 0;
  for await (const _ of client.ordersModifiedSince(new Date(0))) pages++;
  return pages;
}

describe("the WooCommerce catch-up's page budget", () => {
  it("reads at most MAX_CATCHUP_PAGES however many pages the store claims", async () => {
    pagesServed = 0;
    empty = false;
    expect(await readAll()).toBe(MAX_CATCHUP_PAGES);
    expect(pagesServed).toBe(MAX_CATCHUP_PAGES);
  });

  it("stops at an empty page", async () => {
    pagesServed = 0;
    empty = true;
    expect(await readAll()).toBe(0);
    expect(pagesServed).toBe(1);
  });
});
