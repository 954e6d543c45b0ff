import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { loadConfig } from "../core/config.ts";
import { installCrashHandlers } from "../core/crash.ts";
import { createLogger } from "../core/log.ts";
import { onShutdown } from "../core/shutdown.ts";
import { demoEnv } from "./config.ts";
import { deliver, type DeliveryOptions } from "./deliver.ts";
import type { Webhook } from "./feed.ts";
import { followedFeed, openFollowers } from "./followers.ts";
import { deliverHistory, HistoryPlan, replaySilently } from "./history.ts";
import { openOutlet, type Outlet } from "./outlets.ts";
import {
  parseStates,
  planRun,
  serialiseStates,
  type DemoState,
  type DemoStates,
  type RunPlan,
} from "./plan.ts";
import { demoShops } from "./shops.ts";
import { DemoStore } from "./store.ts";
import { storefrontFromEnv } from "./storefront-wiring.ts";
import type { Storefront } from "./storefront.ts";

/**
 * The demo store: a simulated shop per source with a demo outlet (platforms/<name>/demo/), posting
 * its webhooks to ingest's public endpoints, signed as each platform signs them — first a week of
 * history as fast as ingest takes it, then live, in real time. What a platform's side must answer
 * (BigCommerce's API: its webhooks only say what changed) is served from here too.
 */
const log = createLogger("demo");
installCrashHandlers(log);
let stopping = false;
const config = loadConfig(demoEnv);

interface RunningShop {
  outlet: Outlet;
  plan: RunPlan;
  store: DemoStore;
  wanted: Pick<DemoState, "seed" | "shop" | "ordersPerMinute" | "timeZone">;
  delivery: DeliveryOptions;
}

function readStates(): DemoStates {
  try {
    return parseStates(JSON.parse(readFileSync(config.DEMO_STATE_FILE, "utf8")));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT")
      log.warn({ err: String(err) }, "demo state unreadable, starting over");
    return {};
  }
}

const states = readStates();
const now = Date.now();
// The shippers: they act on the shops' paid orders, so they hear of each one from the shops' feeds.
const followers = openFollowers(process.env, config.DEMO_SEED, config.DEMO_INGEST_URL).map((f) => ({
  ...f,
  delivery: { ...f.delivery, stopped: () => stopping },
}));
const shops: RunningShop[] = demoShops(config, process.env).map((shop) => {
  const outlet = openOutlet(shop, config.DEMO_INGEST_URL);
  const wanted = {
    seed: shop.seed,
    shop: shop.shop,
    ordersPerMinute: shop.ordersPerMinute,
    timeZone: shop.timeZone,
  };
  const plan = planRun(states[shop.platform], wanted, config.DEMO_HISTORY_DAYS, now);
  const store = new DemoStore({
    ...wanted,
    ...shop.store,
    currency: shop.currency,
    start: plan.start,
    viralAt: plan.viralAt,
    feed: followedFeed(outlet.feed, shop, followers, config.DEMO_SEED),
  });
  return {
    outlet,
    plan,
    store,
    wanted,
    delivery: { url: outlet.url, headers: outlet.headers, stopped: () => stopping },
  };
});

/** Each shop's "sent up to here": the watermark, or further where an earlier run had got further. */
function saveStates(sentUntil: number): void {
  mkdirSync(dirname(config.DEMO_STATE_FILE), { recursive: true });
  for (const { outlet, wanted, plan } of shops) {
    states[outlet.shop.platform] = {
      ...wanted,
      start: plan.start,
      viralAt: plan.viralAt,
      sentUntil: Math.max(sentUntil, plan.sendFrom),
    };
  }
  writeFileSync(config.DEMO_STATE_FILE, serialiseStates(states));
}

// Serve first: start waits for these ports, and what they answer from grows as the history is planned.
const closers: (() => Promise<void>)[] = [];
for (const { outlet } of shops) if (outlet.serve) closers.push(await outlet.serve(log));
for (const { following } of followers) if (following.serve) closers.push(await following.serve(log));

const inFlight = new Set<Promise<unknown>>();
// Set once ingest answers; shutdown may come before that.
const running: { storefront?: Storefront | undefined } = {};
onShutdown(log, async () => {
  stopping = true;
  await running.storefront?.close();
  await Promise.allSettled(inFlight);
  await Promise.allSettled(closers.map((close) => close()));
});

// Earlier runs sent what is due before each shop's sendFrom: rebuild stock, follow-ups and platform
// state only. What follows the orders replayed was sent with them (a label's webhook resent is one
// message anyway), so the followers replay up to the earliest shop's sendFrom.
const resumeFrom = Math.min(...shops.map((s) => s.plan.sendFrom)) - 1;
await replaySilently(
  [
    ...shops.map((s) => ({ advance: (t: number) => s.store.advance(t), until: s.plan.sendFrom - 1 })),
    ...followers.map((f) => ({ advance: (t: number) => f.following.advance(t), until: resumeFrom })),
  ],
  Math.min(...shops.map((s) => s.plan.start)),
);

await waitForIngest(config.DEMO_INGEST_URL);
running.storefront = await storefrontFromEnv(process.env, log, () => stopping);

const isOrder = (webhook: Webhook, shop: RunningShop) =>
  webhook.topic === shop.outlet.shop.outlet.orderCreatedTopic;
log.info(
  {
    ingest: config.DEMO_INGEST_URL,
    shops: shops.map((s) => ({
      platform: s.outlet.shop.platform,
      shop: s.outlet.shop.shop,
      currency: s.outlet.shop.currency,
      timeZone: s.outlet.shop.timeZone,
      from: new Date(s.plan.sendFrom).toISOString(),
      viralAt: s.plan.viralAt.map((t) => new Date(t).toISOString()),
    })),
  },
  "demo store: sending history",
);
// Oldest first, a chunk at a time (demo/history.ts), up to the present: then live.
const plan = new HistoryPlan(
  [
    ...shops.map((s) => ({ advance: (t: number) => s.store.advance(t), to: s.delivery })),
    ...followers.map((f) => ({ advance: (t: number) => f.following.advance(t), to: f.delivery })),
  ],
  resumeFrom,
  Date.now,
);
const began = performance.now();
let lastLog = began;
let lastSaved = began;
const orders = shops.map(() => 0);
let historyUntil = resumeFrom;
const history = deliverHistory(plan, {
  concurrency: config.DEMO_CONCURRENCY,
  stopped: () => stopping,
  accepted: ({ webhook, source }, done) => {
    const shop = shops[source];
    if (shop && isOrder(webhook, shop)) orders[source]!++;
    const t = performance.now();
    if (done === 1) log.info({ msSinceStart: Math.round(t) }, "demo store: first history webhook accepted");
    if (t - lastLog < 2000) return;
    lastLog = t;
    log.info(
      {
        sent: done,
        perSecond: Math.round(done / ((t - began) / 1000)),
        through: new Date(historyUntil).toISOString(),
      },
      "demo store: history",
    );
  },
  sentThrough: (until) => {
    historyUntil = until;
    // A crash from here on resumes after `until` (a restart replays up to it without sending).
    if (performance.now() - lastSaved < 1000) return;
    lastSaved = performance.now();
    saveStates(until);
  },
});
// A shutdown meanwhile waits for the webhooks in flight, as it does for live ones.
inFlight.add(history.catch(() => undefined));
try {
  const { sent, through } = await history;
  historyUntil = through ?? historyUntil;
  if (historyUntil > resumeFrom) saveStates(historyUntil);
  if (stopping) log.warn({ sent }, "demo store: stopped before the history was sent");
  else {
    log.info(
      {
        sent,
        orders: Object.fromEntries(shops.map((s, i) => [s.outlet.shop.platform, orders[i]])),
        seconds: Math.round((performance.now() - began) / 100) / 10,
      },
      "demo store: history sent",
    );
  }
} catch (err) {
  // The state file holds the last watermark: the supervisor's restart resumes there, nothing twice.
  log.error(
    { err: String(err), through: new Date(historyUntil).toISOString() },
    "demo store: history incomplete, exiting; a restart sends the rest",
  );
  stopping = true;
  await Promise.allSettled(closers.map((close) => close()));
  process.exit(1);
}

let sentLastMinute = 0;
let ordersLastMinute = 0;
setInterval(() => {
  if (stopping) return;
  log.info({ webhooks: sentLastMinute, orders: ordersLastMinute }, "demo store: live, last minute");
  sentLastMinute = ordersLastMinute = 0;
}, 60_000).unref();

let lastLiveSave = historyUntil;
while (!stopping) {
  const until = Date.now();
  for (const shop of shops) {
    for (const webhook of shop.store.advance(until)) {
      const sent = deliver(webhook, shop.delivery).then(
        () => {
          sentLastMinute++;
          if (isOrder(webhook, shop)) ordersLastMinute++;
        },
        (err: unknown) => log.error({ err: String(err) }, "demo store: webhook not delivered"),
      );
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
    }
  }
  for (const { following, delivery } of followers) {
    for (const webhook of following.advance(until)) {
      const sent = deliver(webhook, delivery).then(
        () => sentLastMinute++,
        (err: unknown) => log.error({ err: String(err) }, "demo store: webhook not delivered"),
      );
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
    }
  }
  if (until - lastLiveSave >= 10_000) {
    saveStates(until);
    lastLiveSave = until;
  }
  await new Promise((r) => setTimeout(r, 500));
}

/** The start command may start the demo before ingest (what the outlets serve must answer first): wait for it. */
async function waitForIngest(base: string): Promise<void> {
  let said = false;
  while (!stopping) {
    try {
      const response = await fetch(new URL("/readyz", base), { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch (err) {
      if (!said)
        log.info(
          { ingest: base, err: String((err as Error).cause ?? err) },
          "demo store: waiting for ingest",
        );
      said = true;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
