import type { JetStreamManager } from "@nats-io/jetstream";
import { loadConfig } from "../../core/env.ts";
import type { Logger } from "../../core/log.ts";
import { BEHAVIOUR_STREAM, EVENTS_STREAM } from "../../core/nats.ts";
import type { QuestDb } from "../../core/questdb.ts";
import { ensureTables } from "../orders/schema.ts";
import { lagEnv } from "./config.ts";
import { CONSUMER_LAG_TABLE } from "./schema.ts";
import { recordLag, sampleLag } from "./sample.ts";

export { CONSUMER_LAG_TABLE } from "./schema.ts";

/**
 * Samples every durable consumer's lag (`num_pending`) on the processors' streams into
 * `consumer_lag` on a timer, for Data health: "are we behind?" answered from the broker itself.
 * A failed sample is logged and the next one tried; it never stops the processors.
 */
export async function startLagRecorder(deps: {
  db: QuestDb;
  jsm: JetStreamManager;
  log: Logger;
  env?: Record<string, string | undefined>;
}): Promise<{ stop(): Promise<void>; sampleNow(): Promise<void> }> {
  const { CONSUMER_LAG_INTERVAL_MS } = loadConfig(lagEnv, deps.env ?? process.env);
  await ensureTables(deps.db, [CONSUMER_LAG_TABLE]);
  let running: Promise<void> = Promise.resolve();
  const sampleNow = async () => {
    const samples = await sampleLag(deps.jsm, [EVENTS_STREAM, BEHAVIOUR_STREAM]);
    await recordLag(deps.db, samples, new Date());
  };
  const tick = () => {
    running = sampleNow().catch((err: unknown) =>
      deps.log.warn({ err: String(err) }, "consumer lag not sampled; trying again next interval"),
    );
  };
  const timer = setInterval(tick, CONSUMER_LAG_INTERVAL_MS);
  timer.unref();
  tick();
  return {
    sampleNow,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
