import { z } from "zod";
import { demoSecret, usersOwn } from "../../../demo/outlet-tools.ts";
import { ParcelQueue, planParcel } from "../../../demo/parcels.ts";
import type { DemoFollower } from "../../adapter.ts";
import {
  SHIPPO_TRACKING_PREFIXES,
  shippoTransactionId,
  trackUpdated,
  transactionCreated,
} from "./payloads.ts";

const env = z.object({
  SHIPPO_WEBHOOK_TOKEN: demoSecret("SHIPPO_WEBHOOK_TOKEN", "shippo"),
});

/**
 * The demo's Shippo account, unless the user set Shippo up: it buys labels for its slice of the demo
 * shops' paid orders (`transaction_created`) and reports each scan of the parcel (`track_updated`,
 * the whole history each time). Authenticated by the token in the URL only, as the wiring configures
 * it (no HMAC secret: Shippo turns HMAC on per account, on request).
 */
export const shippoDemo: DemoFollower<typeof env> = {
  label: "Shippo",
  traffic: { slice: [0.55, 1], seedStep: 12 },
  env,
  wire: async (userEnv, tools) => {
    const skipped = usersOwn(userEnv, "SHIPPO_", "Shippo", "account");
    if (skipped) return { skipped };
    return { stackEnv: { SHIPPO_WEBHOOK_TOKEN: tools.secret() } };
  },
  open: (config, seed, webhookUrl) => {
    const queue = new ParcelQueue();
    const url = new URL(webhookUrl);
    url.searchParams.set("token", config.SHIPPO_WEBHOOK_TOKEN);
    return {
      url: url.href,
      headers: () => ({ "content-type": "application/json" }),
      orderPaid(order, at) {
        const plan = planParcel(seed, order, at, SHIPPO_TRACKING_PREFIXES);
        const key = ParcelQueue.key(order);
        const id = shippoTransactionId(order);
        queue.push(key, plan.labelAt, plan.labelAt + 2000, () => [
          {
            at: plan.labelAt + 2000,
            topic: "transaction_created",
            eventId: `${id}:created`,
            webhookId: `${id}:created`,
            render: () => JSON.stringify(transactionCreated(order, plan)),
          },
        ]);
        plan.steps.forEach((step, k) => {
          const at = step.at + 60_000; // Shippo hears of a scan a minute or so after it
          queue.push(key, plan.labelAt, at, () => [
            {
              at,
              topic: "track_updated",
              eventId: `${plan.trackingNumber}:${k}`,
              webhookId: `${plan.trackingNumber}:${k}`,
              render: () => JSON.stringify(trackUpdated(order, plan, k)),
            },
          ]);
        });
      },
      orderCancelled: (order, at) => queue.cancel(order, at),
      advance: (until) => queue.advance(until),
    };
  },
};
