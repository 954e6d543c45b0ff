import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { loadConfig } from "../core/config.ts";
import { createLogger } from "../core/log.ts";
import { onShutdown } from "../core/shutdown.ts";
import { demoEnv } from "./config.ts";
import { deliver, deliverAll, type DeliveryOptions } from "./deliver.ts";
import { planRun, type DemoState } from "./plan.ts";
import { DemoStore, type Webhook } from "./store.ts";

/**
 * The demo store: a simulated Shopify shop posting signed webhooks to ingest's public endpoint,
 * first a week of history as fast as ingest takes it, then live, in real time.
 */
const log = createLogger("demo");
let stopping = false;
const config = loadConfig(demoEnv);
const delivery: DeliveryOptions = {
  url: new URL("/webhooks/shopify", config.DEMO_INGEST_URL).href,
  secret: config.SHOPIFY_API_SECRET,
  shop: config.DEMO_SHOP,
  stopped: () => stopping,
};
const wanted = {
  seed: config.DEMO_SEED,
  shop: config.DEMO_SHOP,
  ordersPerMinute: config.DEMO_ORDERS_PER_MINUTE,
  timeZone: config.DEMO_TIME_ZONE,
};

function readState(): DemoState | undefined {
  try {
    return JSON.parse(readFileSync(config.DEMO_STATE_FILE, "utf8")) as DemoState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT")
      log.warn({ err: String(err) }, "demo state unreadable, starting over");
    return undefined;
  }
}

function saveState(sentUntil: number): void {
  mkdirSync(dirname(config.DEMO_STATE_FILE), { recursive: true });
  const state: DemoState = { ...wanted, start: plan.start, viralAt: plan.viralAt, sentUntil };
  writeFileSync(config.DEMO_STATE_FILE, JSON.stringify(state, null, 2));
}

const plan = planRun(readState(), wanted, config.DEMO_HISTORY_DAYS, Date.now());
const store = new DemoStore({ ...wanted, start: plan.start, viralAt: plan.viralAt });
store.advance(plan.sendFrom - 1); // earlier runs sent these: rebuild stock and pending follow-ups only

const inFlight = new Set<Promise<unknown>>();
onShutdown(log, async () => {
  stopping = true;
  await Promise.allSettled(inFlight);
});

const historyUntil = Date.now();
// Newest day first: today's and yesterday's panels fill within seconds, the older days follow.
// Ingest and the processors take webhooks in any order (stale updates never overwrite newer ones).
const history = newestDayFirst(store.advance(historyUntil));
log.info(
  {
    shop: config.DEMO_SHOP,
    ingest: delivery.url,
    from: new Date(plan.sendFrom).toISOString(),
    webhooks: history.length,
    orders: history.filter((w) => w.topic === "orders/create").length,
    viralAt: plan.viralAt.map((t) => new Date(t).toISOString()),
  },
  "demo store: sending history",
);
const began = performance.now();
let lastLog = began;
let failed = 0;
const historySent = deliverAll(history, {
  ...delivery,
  concurrency: config.DEMO_CONCURRENCY,
  progress: (done) => {
    const now = performance.now();
    if (now - lastLog < 2000 && done < history.length) return;
    lastLog = now;
    log.info(
      { sent: done, of: history.length, perSecond: Math.round(done / ((now - began) / 1000)) },
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
    saveState(historyUntil);
    log.info({ seconds: Math.round((performance.now() - began) / 100) / 10 }, "demo store: history sent");
  },
  (err: unknown) => {
    failed++;
    log.error({ err: String(err) }, "demo store: history incomplete, it will be sent again next start");
  },
);
inFlight.add(historySent);

function newestDayFirst(webhooks: Webhook[]): Webhook[] {
  const day = (w: Webhook) => Math.floor((historyUntil - w.at) / 86_400_000);
  return webhooks
    .map((w, i) => ({ w, i }))
    .sort((a, b) => day(a.w) - day(b.w) || a.i - b.i)
    .map(({ w }) => w);
}
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
  for (const webhook of store.advance(until)) {
    const sent = deliver(webhook, delivery).then(
      () => {
        sentLastMinute++;
        if (webhook.topic === "orders/create") ordersLastMinute++;
      },
      (err: unknown) => log.error({ err: String(err) }, "demo store: webhook not delivered"),
    );
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent));
  }
  // The state file says "sent up to here" only once the history is in.
  if (!failed && historyDone && until - lastSaved >= 10_000) {
    saveState(until);
    lastSaved = until;
  }
  await new Promise((r) => setTimeout(r, 500));
}
