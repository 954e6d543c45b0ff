import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../core/log.ts";
import { encodePoint } from "../processors/live/line-protocol.ts";
import { LivePush } from "../processors/live/push.ts";
import { parseLine, startGrafanaLive } from "./support/grafana-live.ts";

/** The Grafana Live push against a faithful fake of the endpoint: auth, line protocol, back-off. */

const TOKEN = "glsa_test0123456789abcdef_0123abcd";
let live: Awaited<ReturnType<typeof startGrafanaLive>>;
beforeAll(async () => {
  live = await startGrafanaLive(TOKEN);
});
afterAll(async () => {
  await live?.close();
});

const log = createLogger("live-test");
const AT = Date.UTC(2026, 11, 1, 12, 0, 0);
const tiles = (shop: string, orders: number, revenue: number) => ({
  measurement: "today",
  tags: { shop },
  fields: { orders: { int: orders }, revenue, aov: revenue / orders, vs_yesterday_pct: 12.5 },
  at: AT,
});

describe("line protocol", () => {
  it("escapes what the protocol says and round-trips through the fake's parser", () => {
    const line = encodePoint({
      measurement: "to day",
      tags: { shop: "a b,c=d.example" },
      fields: { n: { int: 3 }, x: 1.5 },
      at: AT,
    });
    expect(line).toBe(`to\\ day,shop=a\\ b\\,c\\=d.example n=3i,x=1.5 ${BigInt(AT) * 1_000_000n}`);
    expect(parseLine(line, "metricsdash")).toEqual({
      channel: "stream/metricsdash/to day",
      tags: { shop: "a b,c=d.example" },
      fields: { n: 3, x: 1.5 },
      ns: BigInt(AT) * 1_000_000n,
    });
  });

  it("leaves out a field that is not a finite number (AOV of no orders)", () => {
    expect(
      encodePoint({ measurement: "today", tags: {}, fields: { orders: { int: 0 }, aov: NaN }, at: AT }),
    ).toBe(`today orders=0i ${BigInt(AT) * 1_000_000n}`);
  });
});

describe("pushing to Grafana Live", () => {
  it("sends the newest tiles per shop with the Bearer token, as channel stream/<id>/<measurement>", async () => {
    const push = new LivePush({ grafanaUrl: live.url, token: TOKEN, streamId: "metricsdash", log });
    push.offer("a", tiles("a.myshopify.com", 1, 1000));
    push.offer("a", tiles("a.myshopify.com", 2, 3000)); // replaces the first: only the newest goes
    push.offer("b", tiles("b.example", 4, 2000));
    expect(await push.flush()).toBe(true);
    expect(live.points.map((p) => [p.channel, p.tags.shop, p.fields])).toEqual([
      [
        "stream/metricsdash/today",
        "a.myshopify.com",
        { orders: 2, revenue: 3000, aov: 1500, vs_yesterday_pct: 12.5 },
      ],
      [
        "stream/metricsdash/today",
        "b.example",
        { orders: 4, revenue: 2000, aov: 500, vs_yesterday_pct: 12.5 },
      ],
    ]);
    expect(await push.flush()).toBe(false); // nothing pending: no request
    expect(live.answers).toEqual([200]);
  });

  it("a wrong token is refused (401) and retried only after a back-off that doubles", async () => {
    live.points.length = 0;
    live.answers.length = 0;
    let now = AT;
    const push = new LivePush({
      grafanaUrl: live.url,
      token: "wrong",
      streamId: "metricsdash",
      log,
      backoffMs: 1000,
      clock: () => now,
    });
    push.offer("a", tiles("a.myshopify.com", 1, 1000));
    expect(await push.flush()).toBe(false);
    expect(push.lastStatus).toBe(401);
    now += 999;
    expect(await push.flush()).toBe(false); // still backing off: no request made
    expect(live.answers).toEqual([401]);
    now += 1;
    await push.flush();
    expect(live.answers).toEqual([401, 401]);
    now += 1999; // the second wait is 2 s
    await push.flush();
    expect(live.answers).toEqual([401, 401]);
    expect(live.points).toEqual([]);
  });

  it("after 5xx answers, sends the newest values once Grafana is back, and the back-off resets", async () => {
    live.points.length = 0;
    live.answers.length = 0;
    let now = AT;
    const push = new LivePush({
      grafanaUrl: live.url,
      token: TOKEN,
      streamId: "metricsdash",
      log,
      backoffMs: 100,
      clock: () => now,
    });
    live.failNext(503, 2);
    push.offer("a", tiles("a.myshopify.com", 1, 1000));
    expect(await push.flush()).toBe(false);
    push.offer("a", tiles("a.myshopify.com", 5, 9000)); // newer while waiting
    now += 100;
    expect(await push.flush()).toBe(false);
    now += 200;
    expect(await push.flush()).toBe(true);
    expect(live.answers).toEqual([503, 503, 200]);
    expect(live.points.map((p) => p.fields.orders)).toEqual([5]);
    push.offer("a", tiles("a.myshopify.com", 6, 9500));
    expect(await push.flush()).toBe(true); // no wait left over from the failures
  });

  it("a Grafana that is not there is a failed push with a back-off, never a thrown error", async () => {
    const push = new LivePush({
      grafanaUrl: "http://127.0.0.1:9",
      token: TOKEN,
      streamId: "metricsdash",
      log,
    });
    push.offer("a", tiles("a.myshopify.com", 1, 1000));
    expect(await push.flush()).toBe(false);
    expect(push.lastStatus).toBeNull();
  });
});
