import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { loadConfig } from "../core/config.ts";
import { installCrashHandlers } from "../core/crash.ts";
import { createLogger } from "../core/log.ts";
import { onShutdown } from "../core/shutdown.ts";
import { startBigCommerceApi, type BigCommerceApi } from "./bigcommerce-api.ts";
import { demoEnv } from "./config.ts";
import { deliver, deliverAll, type DeliveryOptions } from "./deliver.ts";
import type { Webhook } from "./feed.ts";
import { ORDER_CREATED_TOPIC, outletFor, type Outlet } from "./outlets.ts";
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

/**
 * The demo store: simulated shops on Shopify, WooCommerce and BigCommerce posting their webhooks to
 * ingest's public endpoints, signed as each platform signs them — first a week of history as fast
 * as ingest takes it, then live, in real time. The BigCommerce shop's API is served from here too,
 * because its webhooks only say what changed and the processors fetch the rest.
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
const shops: RunningShop[] = demoShops(config).map((shop) => {
  const outlet = outletFor(shop, config);
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
    feed: outlet.feed,
  });
  store.advance(plan.sendFrom - 1); // earlier runs sent these: rebuild stock, follow-ups and platform state only
  return {
    outlet,
    plan,
    store,
    wanted,
    delivery: { url: outlet.url, headers: outlet.headers, stopped: () => stopping },
  };
});

function saveStates(sentUntil: number): void {
  mkdirSync(dirname(config.DEMO_STATE_FILE), { recursive: true });
  for (const { outlet, wanted, plan } of shops) {
    states[outlet.shop.platform] = { ...wanted, start: plan.start, viralAt: plan.viralAt, sentUntil };
  }
  writeFileSync(config.DEMO_STATE_FILE, serialiseStates(states));
}

const historyUntil = Date.now();
// Newest day first: today's and yesterday's panels fill within seconds, the older days follow.
// Ingest and the processors take webhooks in any order (stale updates never overwrite newer ones).
const history = shops
  .flatMap((s) => s.store.advance(historyUntil).map((webhook) => ({ webhook, to: s.delivery, shop: s })))
  .map((item, i) => ({ item, i, day: Math.floor((historyUntil - item.webhook.at) / 86_400_000) }))
  .sort((a, b) => a.day - b.day || a.item.webhook.at - b.item.webhook.at || a.i - b.i)
  .map(({ item }) => item);

// BigCommerce's API answers from the state the simulation just reached, as the real one would.
let api: BigCommerceApi | undefined;
const bigCommerce = shops.find((s) => s.outlet.bigCommerce);
if (bigCommerce) {
  api = await startBigCommerceApi(
    {
      state: bigCommerce.outlet.bigCommerce!,
      storeHash: bigCommerce.outlet.shop.shop,
      accessToken: config.BIGCOMMERCE_ACCESS_TOKEN!,
      destination: bigCommerce.outlet.url,
      webhookSecret: config.BIGCOMMERCE_WEBHOOK_SECRET!,
      quota: config.DEMO_BIGCOMMERCE_QUOTA,
    },
    { port: config.DEMO_BIGCOMMERCE_API_PORT! },
  );
  log.info(
    { store: bigCommerce.outlet.shop.shop, api: api.url, quotaPer30s: config.DEMO_BIGCOMMERCE_QUOTA },
    "demo store: BigCommerce API serving",
  );
}

const inFlight = new Set<Promise<unknown>>();
onShutdown(log, async () => {
  stopping = true;
  await Promise.allSettled(inFlight);
  await api?.close();
});

await waitForIngest(config.DEMO_INGEST_URL);

const isOrder = (webhook: Webhook, shop: RunningShop) =>
  webhook.topic === ORDER_CREATED_TOPIC[shop.outlet.shop.platform];
log.info(
  {
    ingest: config.DEMO_INGEST_URL,
    webhooks: history.length,
    shops: shops.map((s) => ({
      platform: s.outlet.shop.platform,
      shop: s.outlet.shop.shop,
      currency: s.outlet.shop.currency,
      timeZone: s.outlet.shop.timeZone,
      from: new Date(s.plan.sendFrom).toISOString(),
      orders: history.filter((h) => h.shop === s && isOrder(h.webhook, s)).length,
      viralAt: s.plan.viralAt.map((t) => new Date(t).toISOString()),
    })),
  },
  "demo store: sending history",
);
const began = performance.now();
let lastLog = began;
let failed = 0;
const historySent = deliverAll(history, {
  concurrency: config.DEMO_CONCURRENCY,
  stopped: () => stopping,
  progress: (done) => {
    const t = performance.now();
    if (t - lastLog < 2000 && done < history.length) return;
    lastLog = t;
    log.info(
      { sent: done, of: history.length, perSecond: Math.round(done / ((t - began) / 1000)) },
      "demo store: history",
    );
  },
}).then(
  (sent) => {
    if (sent < history.length) {
      failed++;
      log.warn({ sent, of: history.length }, "demo store: stopped before the history was sent");
      return;
    }
    saveStates(historyUntil);
    log.info({ seconds: Math.round((performance.now() - began) / 100) / 10 }, "demo store: history sent");
  },
  (err: unknown) => {
    failed++;
    log.error({ err: String(err) }, "demo store: history incomplete, it will be sent again next start");
  },
);
inFlight.add(historySent);

let sentLastMinute = 0;
let ordersLastMinute = 0;
setInterval(() => {
  if (stopping) return;
  log.info({ webhooks: sentLastMinute, orders: ordersLastMinute }, "demo store: live, last minute");
  sentLastMinute = ordersLastMinute = 0;
}, 60_000).unref();

let lastSaved = historyUntil;
let historyDone = false;
void historySent.then(() => (historyDone = failed === 0));
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
  // The state file says "sent up to here" only once the history is in.
  if (!failed && historyDone && until - lastSaved >= 10_000) {
    saveStates(until);
    lastSaved = until;
  }
  await new Promise((r) => setTimeout(r, 500));
}

/** The start command may start the demo before ingest (BigCommerce's API must answer first): wait for it. */
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
