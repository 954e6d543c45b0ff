import type { KV } from "@nats-io/kv";
import { shopEvent, boundedToken } from "../../core/events.ts";
import type { Logger } from "../../core/log.ts";
import { KeysRefused, type PlatformApi } from "../../platforms/adapter.ts";
import type { Publish } from "../../ingest/publish.ts";
import type { CatchUpRun } from "./runs.ts";
import {
  CatchUpOverBudget,
  DEFAULT_CATCHUP_BUDGET,
  roundBudget,
  type CatchUpBudget,
} from "./catchup-budget.ts";
import { eachWithLimit } from "./each-with-limit.ts";

export interface CatchUpOptions {
  /** Where each shop's last catch-up start is kept, so a restart resumes instead of starting over. */
  watermarks: KV;
  publish: Publish;
  log: Logger;
  lookbackMs: number;
  /** Re-read this much before the last start: platform clocks and ours differ a little. */
  overlapMs?: number;
  /** Keeps a record of the round (the Data health dashboard reads it); a failure to record is logged. */
  record?: (run: CatchUpRun) => Promise<void>;
  /** What one store's round may spend before it is stopped and marked. */
  budget?: CatchUpBudget;
}

/**
 * One catch-up for one shop: publish its currency and time zone, turn disabled webhooks back on,
 * then publish every order modified since
 * the last catch-up began. Webhook and catch-up produce the same event ids for the same order state,
 * and every write downstream is an upsert, so an order seen both ways is still one order.
 */
export async function catchUp(
  api: PlatformApi,
  options: CatchUpOptions,
): Promise<{ events: number; reactivated: number }> {
  const key = `${boundedToken(api.platform)}.${boundedToken(api.shop)}`;
  const stored = (await options.watermarks.get(key))?.string();
  const overlap = options.overlapMs ?? 5 * 60 * 1000;
  const since = stored ? new Date(Date.parse(stored) - overlap) : new Date(Date.now() - options.lookbackMs);
  const startedAt = new Date().toISOString();
  const budget = roundBudget(api.platform, api.shop, options.budget ?? DEFAULT_CATCHUP_BUDGET);
  const progress = { events: 0, reactivated: 0 };
  try {
    return await catchUpWithin(api, options, budget, { key, since, startedAt, progress });
  } catch (err) {
    await recordRound(options, {
      platform: api.platform,
      shop: api.shop,
      since,
      startedAt,
      ...progress,
      outcome: err instanceof CatchUpOverBudget ? err.outcome : "failed",
    });
    throw err;
  } finally {
    budget.done();
  }
}

async function catchUpWithin(
  api: PlatformApi,
  options: CatchUpOptions,
  budget: ReturnType<typeof roundBudget>,
  round: { key: string; since: Date; startedAt: string; progress: { events: number; reactivated: number } },
): Promise<{ events: number; reactivated: number }> {
  const { key, since, startedAt, progress } = round;

  // Shop settings and hook repair are worth having but must not stop the orders from being caught
  // up (a read-only key can't re-enable hooks): each is tried, and a failure is logged with its reason.
  const attempt = async <T>(what: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await budget.within(run());
    } catch (err) {
      if (err instanceof CatchUpOverBudget) throw err;
      options.log.warn(
        { platform: api.platform, shop: api.shop, err: String(err) },
        `catch-up could not ${what}`,
      );
      return undefined;
    }
  };
  const info = api.shopInfo && (await attempt("read the shop's settings", () => api.shopInfo!()));
  if (info) await options.publish([shopEvent(api.platform, api.shop, info, startedAt)]);
  const reactivated = (await attempt("re-enable disabled webhooks", () => api.reactivateHooks())) ?? 0;
  progress.reactivated = reactivated;
  let events = 0;
  for await (const page of budget.pages(api.ordersModifiedSince(since, startedAt))) {
    if (!page.length) continue;
    await options.publish(page);
    events += page.length;
    progress.events = events;
  }
  await options.watermarks.put(key, startedAt);
  budget.done();
  const run = { platform: api.platform, shop: api.shop, since, startedAt, events, reactivated };
  await recordRound(options, { ...run, outcome: "ok" });
  options.log.info(
    { platform: api.platform, shop: api.shop, since: since.toISOString(), events, reactivated },
    "catch-up done",
  );
  return { events, reactivated };
}

/** Keeps the round for the Data health dashboard; a failure to record is logged, never the round's failure. */
async function recordRound(options: CatchUpOptions, run: CatchUpRun): Promise<void> {
  if (!options.record) return;
  try {
    await options.record(run);
  } catch (err) {
    options.log.warn(
      { platform: run.platform, shop: run.shop, err: String(err) },
      "catch-up could not record the round",
    );
  }
}

/** Runs `catchUp` for every shop now and then every `intervalMs`; a failure is logged and retried next round. */
export function startCatchUpLoop(
  apis: () => PlatformApi[],
  options: CatchUpOptions & {
    intervalMs: number;
    /** The platform refused the store's keys: stop asking until the store connects again. */
    keysRefused?: (api: PlatformApi, err: KeysRefused) => Promise<void>;
    /** Stores caught up at once: a slow one holds only its own slot. */
    concurrency?: number;
  },
): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running = Promise.resolve();

  const one = async (api: PlatformApi) => {
    if (stopped) return;
    try {
      await catchUp(api, options);
    } catch (err) {
      if (err instanceof CatchUpOverBudget) {
        options.log.warn(
          { platform: api.platform, shop: api.shop, outcome: err.outcome, err: err.message },
          "catch-up stopped this store at its budget; the other stores carry on",
        );
      } else {
        options.log.error({ platform: api.platform, shop: api.shop, err: String(err) }, "catch-up failed");
        if (err instanceof KeysRefused && options.keysRefused) {
          await options
            .keysRefused(api, err)
            .catch((failure: unknown) =>
              options.log.error(
                { platform: api.platform, shop: api.shop, err: String(failure) },
                "could not mark the store's keys as refused",
              ),
            );
        }
      }
    }
  };
  const round = () => eachWithLimit(apis(), options.concurrency ?? 4, one);
  const schedule = (delay: number) => {
    timer = setTimeout(() => {
      running = round().then(() => {
        if (!stopped) schedule(options.intervalMs);
      });
    }, delay);
  };
  // Every round asks for the current APIs: a store connected since the last one is caught up too.
  schedule(0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
