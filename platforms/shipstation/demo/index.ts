import { z } from "zod";
import { demoSecret, usersOwn } from "../../../demo/outlet-tools.ts";
import { ParcelQueue, planParcel } from "../../../demo/parcels.ts";
import type { DemoFollower, DemoFollowing } from "../../adapter.ts";
import { TOKEN_PARAM } from "../index.ts";
import { startShipStationApi } from "./api.ts";
import { batchOf, BATCH_MS, shipNotify, ssLabel, SS_TRACKING_PREFIXES, type SsLabel } from "./shipments.ts";

const env = z.object({
  SHIPSTATION_WEBHOOK_TOKEN: demoSecret("SHIPSTATION_WEBHOOK_TOKEN", "shipstation"),
  SHIPSTATION_API_KEY: demoSecret("SHIPSTATION_API_KEY", "shipstation"),
  SHIPSTATION_API_SECRET: demoSecret("SHIPSTATION_API_SECRET", "shipstation"),
  /** Where the demo serves its ShipStation account's API (the start command picks it and tells the processors). */
  DEMO_SHIPSTATION_API_PORT: z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? "DEMO_SHIPSTATION_API_PORT is required for the demo's shipstation account"
          : undefined,
    })
    .transform(Number)
    .pipe(z.number().int().min(1).max(65535)),
  /** API requests a minute (ShipStation allows 40; the demo's week of history needs more). */
  DEMO_SHIPSTATION_QUOTA: z.coerce.number().int().positive().default(2400),
});

/**
 * The demo's ShipStation account, unless the user set ShipStation up: it buys labels for its slice
 * of the demo shops' paid orders and, every quarter of an hour with labels, POSTs a thin SHIP_NOTIFY
 * naming the batch; the processors read the batch from the API the demo serves here.
 */
export const shipStationDemo: DemoFollower<typeof env> = {
  label: "ShipStation",
  traffic: { slice: [0, 0.55], seedStep: 11 },
  env,
  wire: async (userEnv, tools) => {
    const skipped = usersOwn(userEnv, "SHIPSTATION_", "ShipStation", "account");
    if (skipped) return { skipped };
    const port = Number(userEnv.DEMO_SHIPSTATION_API_PORT) || (await tools.port());
    return {
      stackEnv: {
        SHIPSTATION_WEBHOOK_TOKEN: tools.secret(),
        SHIPSTATION_API_KEY: tools.secret(),
        SHIPSTATION_API_SECRET: tools.secret(),
        // Plain http on loopback: the fetchers call the configured base only, never a host a body names.
        SHIPSTATION_API_URL: `http://127.0.0.1:${port}`,
      },
      demoEnv: { DEMO_SHIPSTATION_API_PORT: String(port) },
      // The processors' first catch-up reads the API: it must answer before they start.
      serves: [port],
    };
  },
  open: (config, seed, webhookUrl) => openShipStation(config, seed, webhookUrl),
};

function openShipStation(config: z.infer<typeof env>, seed: number, webhookUrl: string): DemoFollowing {
  const apiUrl = `http://127.0.0.1:${config.DEMO_SHIPSTATION_API_PORT}`;
  const labels: SsLabel[] = [];
  const notified = new Set<number>();
  const queue = new ParcelQueue();
  const url = new URL(webhookUrl);
  url.searchParams.set(TOKEN_PARAM, config.SHIPSTATION_WEBHOOK_TOKEN);
  return {
    url: url.href,
    headers: () => ({ "content-type": "application/json; charset=utf-8" }),
    orderPaid(order, at) {
      const plan = planParcel(seed, order, at, SS_TRACKING_PREFIXES);
      // Bought at its time: from then on the API lists it. Ids follow purchase order, as ShipStation's do.
      queue.push(ParcelQueue.key(order), plan.labelAt, plan.labelAt, () => {
        labels.push(ssLabel(100_000_000 + labels.length + 1, order, plan));
        return [];
      });
      const batchId = batchOf(plan.labelAt);
      if (notified.has(batchId)) return;
      notified.add(batchId);
      const notifyAt = (batchId + 1) * BATCH_MS;
      queue.push(`batch:${batchId}`, notifyAt, notifyAt, () => [
        {
          at: notifyAt,
          topic: "SHIP_NOTIFY",
          eventId: `ss-batch-${batchId}`,
          webhookId: `ss-batch-${batchId}`,
          render: () => JSON.stringify(shipNotify(apiUrl, batchId)),
        },
      ]);
    },
    orderCancelled: (order, at) => queue.cancel(order, at),
    advance: (until) => queue.advance(until),
    serve: async (log) => {
      const api = await startShipStationApi(
        {
          labels: () => labels,
          apiKey: config.SHIPSTATION_API_KEY,
          apiSecret: config.SHIPSTATION_API_SECRET,
          quota: config.DEMO_SHIPSTATION_QUOTA,
        },
        { port: config.DEMO_SHIPSTATION_API_PORT },
      );
      log.info(
        { api: api.url, quotaPerMinute: config.DEMO_SHIPSTATION_QUOTA },
        "demo store: ShipStation API serving",
      );
      return () => api.close();
    },
  };
}
