import type { JetStreamManager } from "@nats-io/jetstream";
import { sqlString, type QuestDb } from "../../core/questdb.ts";

export interface LagSample {
  stream: string;
  durable: string;
  pending: number;
  ackPending: number;
  redelivered: number;
}

/** Every durable consumer of `streams`, as JetStream reports it now (ephemeral consumers are nobody's backlog). */
export async function sampleLag(jsm: JetStreamManager, streams: readonly string[]): Promise<LagSample[]> {
  const samples: LagSample[] = [];
  for (const stream of streams) {
    for await (const info of jsm.consumers.list(stream)) {
      const durable = info.config.durable_name;
      if (!durable) continue;
      samples.push({
        stream,
        durable,
        pending: info.num_pending,
        ackPending: info.num_ack_pending,
        redelivered: info.num_redelivered,
      });
    }
  }
  return samples;
}

/** One INSERT of every sample, all at `at`. */
export async function recordLag(db: QuestDb, samples: readonly LagSample[], at: Date): Promise<void> {
  if (!samples.length) return;
  const ts = sqlString(at.toISOString());
  const rows = samples.map(
    (s) =>
      `(${ts}, ${sqlString(s.stream)}, ${sqlString(s.durable)}, ${s.pending}, ${s.ackPending}, ${s.redelivered})`,
  );
  await db.exec(
    `INSERT INTO consumer_lag (ts, stream, durable, pending, ack_pending, redelivered) VALUES ${rows.join(", ")}`,
  );
}
