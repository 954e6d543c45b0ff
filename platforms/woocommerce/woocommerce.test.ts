import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import type { Delivery } from "../adapter.ts";
import { WooClient } from "./client.ts";
import { phpJson } from "./php-json.ts";
import { FakeWooCommerce } from "../../test/fakes/woocommerce/store.ts";
import { woocommerce } from "./index.ts";
import { wooSalesStatus, wooShop } from "./normalise.ts";

const SECRET = "woo-unit-test-secret-0123";
const adapter = woocommerce.create(
  { WOOCOMMERCE_WEBHOOK_SECRET: SECRET, WOOCOMMERCE_STORE_URL: "https://shop.example/" },
  { customerHashKey: "k".repeat(32) },
);

function delivery(body: string, headers: Record<string, string>): Delivery {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    header: (name) => lower[name],
    rawBody: Buffer.from(body, "utf8"),
    receivedAt: "2026-11-25T12:00:00.000Z",
  };
}

describe("stores connected through the connect service", () => {
  const key = "store-webhook-key-for-tests-0123";
  const connected = woocommerce.create(undefined, { customerHashKey: "k".repeat(32), storeWebhookKey: key });
  const both = woocommerce.create(
    { WOOCOMMERCE_WEBHOOK_SECRET: SECRET, WOOCOMMERCE_STORE_URL: "https://c.example/" },
    { customerHashKey: "k".repeat(32), storeWebhookKey: key },
  );
  // The per-store secret as documented: HMAC-SHA256(key, "webhook-secret\0woocommerce\0<host/path>"), base64url.
  const secretOf = (shop: string) =>
    createHmac("sha256", key).update(`webhook-secret\u0000woocommerce\u0000${shop}`).digest("base64url");
  const body = phpJson({ id: 7 });
  const signedWith = (secret: string, source: string) =>
    delivery(body, {
      "content-type": "application/json",
      "x-wc-webhook-source": source,
      "x-wc-webhook-signature": createHmac("sha256", secret).update(body).digest("base64"),
    });

  it("verifies a delivery with the secret of the store its source names", () => {
    expect(connected.verify(signedWith(secretOf("a.example/shop"), "https://A.example/shop/"))).toBe(true);
    expect(both.verify(signedWith(secretOf("a.example/shop"), "https://a.example/shop/"))).toBe(true);
  });

  it("refuses another store's secret, the env secret when none is set, and a source that is no URL", () => {
    expect(connected.verify(signedWith(secretOf("b.example"), "https://a.example/"))).toBe(false);
    expect(connected.verify(signedWith(SECRET, "https://a.example/"))).toBe(false);
    expect(connected.verify(signedWith(secretOf("a.example"), "not a url"))).toBe(false);
  });

  it("still takes the hand-set env secret from its own site when both are configured, and from no other", () => {
    expect(both.verify(signedWith(SECRET, "https://c.example/"))).toBe(true);
    expect(both.verify(signedWith(SECRET, "https://a.example/shop/"))).toBe(false);
  });
});

describe("PHP-style JSON", () => {
  it("escapes slashes and non-ASCII as PHP's json_encode does", () => {
    expect(phpJson({ url: "https://a.example/b", name: "Tee – Blue/Large ☕😀" })).toBe(
      '{"url":"https:\\/\\/a.example\\/b","name":"Tee \\u2013 Blue\\/Large \\u2615\\ud83d\\ude00"}',
    );
  });
});

describe("verification", () => {
  const body = phpJson({ id: 1, href: "https://shop.example/x" });
  const signed = createHmac("sha256", SECRET).update(body).digest("base64");
  const site = "https://shop.example/";

  it("checks the signature over the raw PHP bytes", () => {
    expect(
      adapter.verify(
        delivery(body, {
          "content-type": "application/json",
          "x-wc-webhook-source": site,
          "x-wc-webhook-signature": signed,
        }),
      ),
    ).toBe(true);
    const reserialised = JSON.stringify(JSON.parse(body));
    expect(
      adapter.verify(
        delivery(reserialised, {
          "content-type": "application/json",
          "x-wc-webhook-source": site,
          "x-wc-webhook-signature": signed,
        }),
      ),
    ).toBe(false);
    expect(adapter.verify(delivery(body, { "content-type": "application/json" }))).toBe(false);
  });

  it("lets only the exact form-encoded ping through unsigned, and publishes nothing for it", () => {
    const ping = delivery("webhook_id=12", { "content-type": "application/x-www-form-urlencoded" });
    expect(adapter.verify(ping)).toBe(true);
    expect(adapter.handle(ping)).toEqual({ kind: "ignore", reason: "ping" });
    expect(adapter.verify(delivery("webhook_id=12", { "content-type": "application/json" }))).toBe(false);
    // Sent with no Content-Type (a transport or filter that sets none): still the ping.
    expect(adapter.verify(delivery("webhook_id=12", {}))).toBe(true);
    expect(adapter.verify(delivery('{"id":1}', {}))).toBe(false);
    expect(
      adapter.verify(delivery("webhook_id=12&x=1", { "content-type": "application/x-www-form-urlencoded" })),
    ).toBe(false);
  });
});

describe("normalisation", () => {
  it("maps statuses: processing/completed/on-hold sell, pending/failed wait, cancelled leaves", () => {
    expect(["processing", "completed", "on-hold"].map(wooSalesStatus)).toEqual(["sale", "sale", "sale"]);
    expect(["pending", "failed"].map(wooSalesStatus)).toEqual(["pending", "pending"]);
    expect(wooSalesStatus("cancelled")).toBe("cancelled");
    expect(wooSalesStatus("refunded")).toBe("sale"); // the refunds subtract; the order stays
    expect(wooSalesStatus("some-plugin-status")).toBe("pending");
  });

  it("names the shop after the site URL", () => {
    expect(wooShop("https://Shop.Example/")).toBe("shop.example");
    expect(wooShop("https://example.org/store/")).toBe("example.org/store");
  });

  it("emits one order and one refund ref per refund, with ids stable across deliveries", () => {
    const order = {
      id: 7,
      status: "completed",
      currency: "KWD",
      date_created_gmt: "2026-11-25T09:00:00",
      date_modified_gmt: "2026-11-25T10:00:00",
      total: "26.190",
      refunds: [{ id: 90, reason: "", total: "-1.250" }],
      line_items: [],
    };
    const body = phpJson(order);
    const result = adapter.handle(
      delivery(body, {
        "content-type": "application/json",
        "x-wc-webhook-topic": "order.updated",
        "x-wc-webhook-source": "https://kw.example/",
      }),
    );
    expect(result.kind).toBe("publish");
    const events = result.kind === "publish" ? result.events : [];
    expect(events.map((e) => e.type)).toEqual(["order", "ref"]);
    expect(events[0]!.eventId).toMatch(/^order:7:2026-11-25T10:00:00\.000Z:[\w-]{16}$/);
    expect(events[1]!.eventId).toBe("refund-seen:90");
    expect(events[1]).toMatchObject({
      shop: "kw.example",
      ref: {
        resource: "refund",
        id: "90",
        refund: { amountMinor: 1250, currency: "KWD", createdAt: "2026-11-25T10:00:00.000Z" },
      },
    });
  });
});

describe("event ids", () => {
  const order = (status: string) => ({
    id: 8,
    status,
    currency: "USD",
    date_created_gmt: "2026-11-25T09:00:00",
    date_modified_gmt: "2026-11-25T09:00:00",
    total: "5.00",
  });
  const idOf = (status: string) => {
    const result = adapter.handle(
      delivery(phpJson(order(status)), {
        "content-type": "application/json",
        "x-wc-webhook-topic": "order.updated",
        "x-wc-webhook-source": "https://shop.example/",
      }),
    );
    return result.kind === "publish" ? result.events[0]!.eventId : "";
  };

  it("differ for two states modified in the same second (pending → processing at checkout), match for one", () => {
    expect(idOf("pending")).not.toBe(idOf("processing"));
    expect(idOf("processing")).toBe(idOf("processing"));
  });
});

describe("the catch-up client", () => {
  it("pages by X-WP-TotalPages and turns disabled hooks back on", async () => {
    const woo = await FakeWooCommerce.start();
    try {
      for (let id = 1; id <= 5; id++) {
        const at = new Date(Date.UTC(2026, 10, 25, 10, id)).toISOString();
        woo.orders.set(id, {
          spec: { id, createdAt: at, lines: [] },
          status: "processing",
          modifiedAt: at,
          refunds: [],
        });
      }
      woo.hooks.push({
        id: 3,
        topic: "order.created",
        deliveryUrl: "https://metrics.example/webhooks/woocommerce",
        secret: SECRET,
        status: "disabled",
        failureCount: 6,
        timesDisabled: 1,
      });
      woo.hooks.push({
        id: 4,
        topic: "order.created",
        deliveryUrl: "https://zapier.example/hooks/1",
        secret: "x",
        status: "disabled",
        failureCount: 6,
        timesDisabled: 1,
      });
      const client = new WooClient(
        `${woo.siteUrl}/`,
        woo.consumerKey,
        woo.consumerSecret,
        createLogger("test", "silent"),
      );
      const pages: string[][] = [];
      for await (const page of client.ordersModifiedSince(new Date(Date.UTC(2026, 10, 25, 10, 1)), 2)) {
        pages.push(page.map((o) => o.id));
      }
      // modified_after is exclusive: order 1 (10:01) is not after 10:01.
      expect(pages).toEqual([
        ["2", "3"],
        ["4", "5"],
      ]);
      expect(await client.reactivateDisabledHooks()).toBe(1);
      expect(woo.hooks[0]!.status).toBe("active");
      expect(woo.hooks[1]!.status).toBe("disabled"); // another integration's hook is not ours to touch
      expect(await client.shopInfo()).toEqual({
        currency: "USD",
        timeZone: "Europe/London",
        utcOffsetMinutes: 0,
      });
      woo.timezoneString = ""; // WordPress set to "UTC+5:30": no zone name, only the offset
      woo.gmtOffset = "5.5";
      woo.currency = "INR";
      expect(await client.shopInfo()).toEqual({ currency: "INR", timeZone: null, utcOffsetMinutes: 330 });
      const wrongKey = new WooClient(woo.siteUrl, "ck_wrong", "cs_wrong", createLogger("test", "silent"));
      await expect(wrongKey.reactivateDisabledHooks()).rejects.toThrow(/401/);
    } finally {
      await woo.stop();
    }
  });
});
