import type { CanonicalEvent } from "../../core/events.ts";
import type { Logger } from "../../core/log.ts";
import type { QuestDb } from "../../core/questdb.ts";
import type { Publish } from "../../ingest/publish.ts";
import type { PlatformApi, PlatformCount } from "../../platforms/adapter.ts";
import { localDays, shopZone, type LocalDay } from "./days.ts";
import { ourFigures, type OurFigures } from "./ours.ts";
import { recordCheck, type Check } from "./record.ts";

/**
 * Reconciliation of one shop: for today and the last N store-local days, our order count and gross
 * (QuestDB) against the platform's own count. A day that differs is re-read from the platform and
 * published through the same JetStream dedupe and QuestDB upserts as webhooks, so re-reading what
 * we already hold changes nothing; then it is checked again. Every check is recorded.
 */

export interface ReconcileDeps {
  db: QuestDb;
  publish: Publish;
  log: Logger;
  /** Days before today to check. */
  days: number;
  /** How long re-read orders may take to reach QuestDB before a difference counts as persisting. */
  settleMs: number;
  /** Orders younger than this may still be on their way through the pipeline: today ends this long ago. */
  marginMs?: number;
  pollMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts agree, and gross too when the platform gave one. */
function agrees(ours: OurFigures, theirs: PlatformCount): boolean {
  return (
    ours.orders === theirs.orders && (theirs.grossMinor === null || ours.grossMinor === theirs.grossMinor)
  );
}

/** The day's orders as the platform has them, through `ordersCreatedIn` or the history pages. */
async function* ordersOfDay(
  api: PlatformApi,
  day: LocalDay,
  receivedAt: string,
): AsyncIterable<CanonicalEvent[]> {
  if (api.ordersCreatedIn) {
    yield* api.ordersCreatedIn(day, receivedAt);
    return;
  }
  if (!api.historyPage) throw new Error(`${api.platform} can count orders but not re-read a day`);
  for (let page = 1, pages = 1; page <= pages; page++) {
    const result = await api.historyPage(day, page, receivedAt);
    pages = result.totalPages;
    yield result.events;
  }
}

async function refetch(api: PlatformApi, day: LocalDay, publish: Publish): Promise<number> {
  let published = 0;
  for await (const events of ordersOfDay(api, day, new Date().toISOString())) {
    if (!events.length) continue;
    await publish(events);
    published += events.length;
  }
  return published;
}

/** Our figures once they agree with the platform's, or as they stand when `settleMs` ran out. */
async function settled(
  api: PlatformApi,
  day: LocalDay,
  theirs: PlatformCount,
  deps: ReconcileDeps,
): Promise<OurFigures> {
  const deadline = Date.now() + deps.settleMs;
  for (;;) {
    const ours = await ourFigures(deps.db, api, day);
    if (agrees(ours, theirs) || Date.now() >= deadline) return ours;
    await sleep(deps.pollMs ?? 1000);
  }
}

export async function checkDay(
  api: PlatformApi,
  day: LocalDay,
  currency: string | null,
  deps: ReconcileDeps,
): Promise<Check> {
  const ours = await ourFigures(deps.db, api, day);
  if (!api.countOrders) throw new Error(`${api.platform} gives no order counts to reconcile with`);
  const theirs = await api.countOrders(day);
  let after = ours;
  let refetched = 0;
  let outcome: Check["outcome"] = "match";
  if (!agrees(ours, theirs)) {
    refetched = await refetch(api, day, deps.publish);
    after = await settled(api, day, theirs, deps);
    outcome = agrees(after, theirs) ? "fixed" : "persists";
    const facts = { platform: api.platform, shop: api.shop, day: day.day, ours, theirs, after, refetched };
    if (outcome === "fixed") deps.log.info(facts, "reconciliation: difference found and fixed by a re-fetch");
    else deps.log.warn(facts, "reconciliation: numbers don't match after a re-fetch");
  }
  const check: Check = {
    platform: api.platform,
    shop: api.shop,
    day,
    currency,
    ours,
    theirs,
    refetched,
    after,
    outcome,
    checkedAt: new Date(),
  };
  await recordCheck(deps.db, check);
  return check;
}

/** Checks today and the last `deps.days` days of one shop, in its own zone; `[]` when its platform can't count. */
export async function reconcileShop(api: PlatformApi, deps: ReconcileDeps): Promise<Check[]> {
  if (!api.countOrders || !api.shopInfo) return [];
  const info = await api.shopInfo();
  const until = Date.now() - (deps.marginMs ?? 2 * 60_000);
  const checks: Check[] = [];
  for (const day of localDays(shopZone(info), until, deps.days))
    checks.push(await checkDay(api, day, info.currency, deps));
  return checks;
}
