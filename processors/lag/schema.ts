/**
 * One row per durable consumer per sample: how many messages of its stream it has not yet been
 * delivered (`pending`, JetStream's `num_pending`) and how many it holds unacknowledged
 * (`ack_pending`). Data health shows the newest sample per consumer; a week is plenty to see a
 * backlog build and drain.
 */
export const CONSUMER_LAG_TABLE = `CREATE TABLE IF NOT EXISTS consumer_lag (
    ts TIMESTAMP,
    stream SYMBOL,
    durable SYMBOL,
    pending LONG,
    ack_pending LONG,
    redelivered LONG
  ) TIMESTAMP(ts) PARTITION BY DAY TTL 7 DAYS WAL
  DEDUP UPSERT KEYS(ts, stream, durable)`;
