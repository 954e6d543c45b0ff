import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { EVENTS_STREAM, natsAuth } from "../../core/nats.ts";
import { walApplied, type QuestDb } from "../../core/questdb.ts";
import { eventually } from "./eventually.ts";

/**
 * Waits until every durable consumer of EVENTS has handled everything published so far and QuestDB
 * applied the resulting writes: what the tables say after this is what the pipeline will say. Each
 * processor moves at its own pace, so one table being complete says nothing of another.
 */
export async function settled(natsUrl: string, db: QuestDb, tables: readonly string[], timeoutMs = 120_000) {
  const nc = await connect({ ...natsAuth(), servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    await eventually(
      async () => {
        const waiting: string[] = [];
        for await (const info of jsm.consumers.list(EVENTS_STREAM)) {
          const left = info.num_pending + info.num_ack_pending;
          if (left) waiting.push(`${info.name}: ${left}`);
        }
        if (waiting.length) throw new Error(`consumers still working: ${waiting.join(", ")}`);
      },
      { timeoutMs, intervalMs: 250 },
    );
  } finally {
    await nc.close();
  }
  if (!(await walApplied(db, tables, timeoutMs)))
    throw new Error(`QuestDB did not apply ${tables.join(", ")} in time`);
}
