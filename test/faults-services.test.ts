import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeShopify } from "./fakes/shopify/server.ts";
import { expectedTotals, generateShop } from "./fakes/shopify/store.ts";
import { ROUTING_KEY } from "./support/alerting-stack.ts";
import { eventually } from "./support/eventually.ts";
import { storedOrders, underLoad, type LoadResult } from "./support/order-load.ts";
import { startPagerDutyReceiver, type PagerDutyReceiver } from "./support/pagerduty-receiver.ts";
import { settled } from "./support/settled.ts";
import { connectShop, TEST_CONNECT_ENV, waitForProgress, type Progress } from "./support/shopify-connect.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";

/**
 * The fault suite's service kills, under the project's load tool (test/support/order-load.ts):
 * kill -9 of the alerting worker while it is in the middle of delivering what an evaluation decided,
 * and kill -9 of connect while it pages a shop's history. Each kill is made to land on work in
 * progress and checked to have; each run ends with every order once, the exact revenue, and (for
 * alerting) exactly the incidents and notifications the data calls for.
 */

const LOAD_ORDERS = Number(process.env.FAULTS_SERVICES_ORDERS ?? 300);
const HISTORY_ORDERS = 400;
const SECRET = TEST_SECRETS.SHOPIFY_API_SECRET;
/** Shops that go quiet and stay quiet, and shops that go quiet and then take orders again. */
const QUIET = ["quiet-0", "quiet-1", "quiet-2", "quiet-3"].map((s) => `${s}.myshopify.com`);
const BACK = ["back-0", "back-1", "back-2", "back-3"].map((s) => `${s}.myshopify.com`);
const RULE = "quiet-minute";
const dedupKey = (shop: string) => `metricsdash/${RULE}/${shop}`;
const HISTORY_SHOP = "history-kill.myshopify.com";
const LIVE_SHOP = "live-during-history.myshopify.com";

let stack: Awaited<ReturnType<typeof startTestStack>>;
let pagerduty: PagerDutyReceiver;
let fake: FakeShopify;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "metricsdash-faults-services-"));
  const rulesFile = join(dir, "rules.json");
  writeFileSync(
    rulesFile,
    JSON.stringify([
      {
        id: RULE,
        name: "No orders for a minute",
        kind: "no_orders",
        minutes: 1,
        openingHours: { timeZone: "UTC" },
        scope: { shops: [...QUIET, ...BACK] },
        channels: [{ type: "pagerduty", routingKeyEnv: "PAGERDUTY_ROUTING_KEY" }],
      },
    ]),
  );
  pagerduty = await startPagerDutyReceiver();
  // The clock 20× faster so paging the history takes seconds, not minutes (as connect.test.ts).
  fake = new FakeShopify({ apiKey: TEST_CONNECT_ENV.SHOPIFY_API_KEY, apiSecret: SECRET, speed: 20 });
  fake.addShop(generateShop({ domain: HISTORY_SHOP, orders: HISTORY_ORDERS, seed: 18 }));
  await fake.start();
  stack = await startTestStack(
    {
      ...TEST_CONNECT_ENV,
      SHOPIFY_API_URL: fake.apiUrlTemplate,
      PUBLISH_TIMEOUT_MS: "1000",
      ACK_WAIT_MS: "5000",
      ALERT_RULES_FILE: rulesFile,
      ALERT_EVAL_INTERVAL_MS: "250",
      PAGERDUTY_EVENTS_URL: pagerduty.url,
      PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
      NOTIFY_BACKOFF_MS: "50",
      // The catch-up finds the connected Shopify shop too: no round during the test, so the
      // history's request count below is the history's alone.
      CATCHUP_INTERVAL_MS: "3600000",
    },
    { alerting: true },
  );
}, 300_000);
afterAll(async () => {
  await stack?.stop();
  await Promise.all([pagerduty?.close(), fake?.stop()]);
});

interface IncidentView {
  ruleId: string;
  subject: string;
  phase: string;
  pending: number;
}

async function incidents(): Promise<IncidentView[]> {
  const res = await fetch(`${stack.alertingUrl}/api/alerts?all=1`);
  expect(res.status).toBe(200);
  const { incidents } = (await res.json()) as { incidents: IncidentView[] };
  return incidents.filter((i) => i.ruleId === RULE).sort((a, b) => a.subject.localeCompare(b.subject));
}

/** Every one of the rule's incidents in the phase the data calls for, its outbox empty: nothing left to send. */
const allSettled = (firing: string[], resolved: string[]) =>
  eventually(
    async () =>
      expect(await incidents()).toEqual(
        [
          ...firing.map((subject) => ({ subject, phase: "firing" })),
          ...resolved.map((subject) => ({ subject, phase: "resolved" })),
        ]
          .sort((a, b) => a.subject.localeCompare(b.subject))
          .map((i) => expect.objectContaining({ ...i, ruleId: RULE, pending: 0 })),
      ),
    { timeoutMs: 30_000 },
  );

async function exactlyOnce(shop: string, sent: LoadResult[]) {
  const ids = new Set(sent.flatMap((s) => s.ids));
  const revenue = sent.reduce((sum, s) => sum + s.expectedRevenue, 0);
  const row = await storedOrders(stack.db, shop);
  expect({ shop, ...row }).toEqual({ shop, stored: ids.size, distinct: ids.size, revenue });
  return { orders: ids.size, lost: ids.size - row.distinct, doubled: row.stored - row.distinct };
}

describe(`service kills under load (${LOAD_ORDERS} orders per loaded shop, 1 in 10 delivered twice)`, () => {
  it("kill -9 alerting mid-delivery: every incident paged once, resolved once, none lost", async () => {
    const threeMinutesAgo = () => Date.now() - 3 * 60_000;
    // Each shop's last order three minutes ago, sent through ingest: all are quiet for over a minute.
    const seeded = await Promise.all(
      [...QUIET, ...BACK].map((shop) =>
        underLoad({
          ingestUrl: stack.ingestUrl,
          shop,
          orders: 3,
          secret: SECRET,
          createdAt: threeMinutesAgo,
        }),
      ),
    );
    await settled(stack.natsUrl, stack.db, ["orders"]);
    await allSettled([...QUIET, ...BACK], []);
    for (const shop of [...QUIET, ...BACK])
      expect(pagerduty.incidents.get(dedupKey(shop))).toEqual({ status: "triggered", pages: 1, triggers: 1 });

    // From here PagerDuty takes events but answers none until the kill: the worker is caught with
    // an event sent and not acknowledged, the rest of what its cycle decided still in the outboxes.
    pagerduty.hold();
    let atKill: { held: string[]; pending: number } | undefined;
    const kill = async () => {
      await eventually(async () => expect(pagerduty.held.length).toBeGreaterThan(0), { timeoutMs: 30_000 });
      const pending = (await incidents()).reduce((n, i) => n + i.pending, 0);
      atKill = { held: pagerduty.held.map((e) => e.dedup_key!), pending };
      await stack.alerting!.kill(); // SIGKILL: nothing drains
      pagerduty.release(); // nobody hears these answers
      await stack.alerting!.start();
    };
    const back = await Promise.all(
      BACK.map((shop, i) =>
        underLoad({
          ingestUrl: stack.ingestUrl,
          shop,
          orders: LOAD_ORDERS,
          secret: SECRET,
          idBase: 1000,
          ...(i === 0 ? { fault: kill } : {}),
        }),
      ),
    );
    await settled(stack.natsUrl, stack.db, ["orders"]);
    await allSettled(QUIET, BACK);

    // The kill hit work in progress: a resolve sent and unanswered, incidents with undelivered items.
    expect(atKill!.held.length).toBeGreaterThan(0);
    expect(atKill!.held.every((key) => BACK.some((shop) => dedupKey(shop) === key))).toBe(true);
    expect(atKill!.pending).toBeGreaterThan(0);
    // Not lost: every shop paged, every returning shop resolved. Not doubled: one page each, no
    // second trigger; a resolve is sent twice only where the kill left it unanswered (PagerDuty
    // takes the repeat as a no-op).
    for (const shop of QUIET)
      expect(pagerduty.incidents.get(dedupKey(shop))).toEqual({ status: "triggered", pages: 1, triggers: 1 });
    for (const shop of BACK) {
      expect(pagerduty.incidents.get(dedupKey(shop))).toEqual({ status: "resolved", pages: 1, triggers: 1 });
      const resolves = pagerduty.accepted.filter(
        (e) => e.dedup_key === dedupKey(shop) && e.event_action === "resolve",
      ).length;
      expect(resolves, shop).toBe(1 + atKill!.held.filter((key) => key === dedupKey(shop)).length);
    }
    const outcomes = [];
    for (const [i, shop] of [...QUIET, ...BACK].entries())
      outcomes.push(
        await exactlyOnce(shop, i < QUIET.length ? [seeded[i]!] : [seeded[i]!, back[i - QUIET.length]!]),
      );
    console.log(
      `kill -9 alerting: held at the kill ${atKill!.held.length}, outbox items pending ${atKill!.pending}; ` +
        `incidents ${QUIET.length + BACK.length} paged once, ${BACK.length} resolved; orders ` +
        `${outcomes.reduce((n, o) => n + o.orders, 0)}, lost ${outcomes.reduce((n, o) => n + o.lost, 0)}, ` +
        `doubled ${outcomes.reduce((n, o) => n + o.doubled, 0)}`,
    );
  }, 180_000);

  it("kill -9 connect mid-history: the job resumes from its checkpoint, every order once", async () => {
    fake.failNextBulk = true; // paged, so the history is long enough to be caught in the middle
    expect((await connectShop(stack.connectUrl!, HISTORY_SHOP)).status).toBe(302);
    let before: Progress | undefined;
    let requestsAtKill = 0;
    const live = await underLoad({
      ingestUrl: stack.ingestUrl,
      shop: LIVE_SHOP,
      orders: LOAD_ORDERS,
      secret: SECRET,
      fault: async () => {
        before = await waitForProgress(
          stack.connectUrl!,
          HISTORY_SHOP,
          (p) => p.orders.published > 0,
          30_000,
        );
        await stack.connect!.kill(); // SIGKILL: nothing drains
        requestsAtKill = fake.requestsByShop.get(HISTORY_SHOP)!;
        await stack.connect!.start();
      },
    });
    const done = await waitForProgress(stack.connectUrl!, HISTORY_SHOP, (p) => p.phase === "done", 45_000);
    const total = fake.shop(HISTORY_SHOP).data.orders.length;
    // The kill hit the job in the middle of its orders.
    expect(before!.phase).toBe("orders");
    expect(before!.orders.published).toBeLessThan(total);
    // Resumed, not restarted: after the kill only the pages not yet published (10 orders a page;
    // the one in flight may be fetched again) and the inventory (25 items a page) were fetched.
    const requestsAfter = fake.requestsByShop.get(HISTORY_SHOP)! - requestsAtKill;
    const remainingPages = Math.ceil((total - before!.orders.published) / 10);
    const inventoryPages = Math.ceil(fake.shop(HISTORY_SHOP).data.variants.length / 25);
    expect(requestsAfter).toBeGreaterThanOrEqual(inventoryPages + 1);
    expect(requestsAfter).toBeLessThanOrEqual(remainingPages + inventoryPages + 3);
    expect(done.orders.published).toBeGreaterThanOrEqual(total);

    await settled(stack.natsUrl, stack.db, ["orders", "order_lines"]);
    const want = expectedTotals(fake.shop(HISTORY_SHOP).data.orders);
    expect(await storedOrders(stack.db, HISTORY_SHOP)).toEqual({
      stored: want.orders,
      distinct: want.orders,
      revenue: want.revenue,
    });
    const liveOutcome = await exactlyOnce(LIVE_SHOP, [live]);
    console.log(
      `kill -9 connect: at the kill ${before!.orders.published}/${total} history orders published; ` +
        `${requestsAfter} requests after the restart (${remainingPages} pages left + ${inventoryPages} inventory); ` +
        `history ${want.orders} orders stored once; live ${liveOutcome.orders}, lost ${liveOutcome.lost}, doubled ${liveOutcome.doubled}`,
    );
  }, 180_000);
});
