/**
 * Payment facts. WAL tables with DEDUP UPSERT KEYS, so a redelivered or replayed event rewrites its
 * row. Each object's rows are keyed by a time that never changes for it (creation, or for a refund
 * increment the time it was reported), as QuestDB requires the designated timestamp in the key.
 * Kept 2 years (DESIGN: 90 days hot, 2 years in all): payouts and disputes are reconciled long after.
 */
export const PAYMENT_TABLES = [
  // Captures (one row per charge/capture, its newest state) and refunds (one row per increment).
  `CREATE TABLE IF NOT EXISTS payments (
    at TIMESTAMP,
    processor SYMBOL,
    shop SYMBOL,
    kind SYMBOL,
    object_id VARCHAR,
    entry VARCHAR,
    payment_id VARCHAR,
    currency SYMBOL,
    amount_minor LONG,
    fee_minor LONG,
    net_minor LONG,
    cumulative_minor LONG,
    status SYMBOL,
    order_ref VARCHAR,
    order_site SYMBOL,
    updated_at TIMESTAMP,
    received_at TIMESTAMP
  ) TIMESTAMP(at) PARTITION BY DAY TTL 2 YEARS WAL
  DEDUP UPSERT KEYS(at, processor, shop, kind, object_id, entry)`,

  // What the panels read: per minute, processor, shop, kind, status and currency (never across
  // currencies). QuestDB recomputes a minute when one of its rows is upserted, so a capture's newer
  // state or a redelivery moves the sums, never adds to them (DESIGN "QuestDB").
  `CREATE MATERIALIZED VIEW IF NOT EXISTS payments_1m AS (
    SELECT at, processor, shop, kind, status, currency,
      count() payments,
      sum(amount_minor) amount_minor,
      sum(fee_minor) fee_minor,
      sum(net_minor) net_minor,
      sum(CASE WHEN fee_minor IS NULL THEN 1 ELSE 0 END) without_fee
    FROM payments SAMPLE BY 1m
  ) PARTITION BY DAY TTL 2 YEARS`,

  `CREATE TABLE IF NOT EXISTS disputes (
    created_at TIMESTAMP,
    processor SYMBOL,
    shop SYMBOL,
    dispute_id VARCHAR,
    payment_id VARCHAR,
    outcome SYMBOL,
    status SYMBOL,
    open BOOLEAN,
    currency SYMBOL,
    amount_minor LONG,
    updated_at TIMESTAMP,
    received_at TIMESTAMP
  ) TIMESTAMP(created_at) PARTITION BY DAY TTL 2 YEARS WAL
  DEDUP UPSERT KEYS(created_at, processor, shop, dispute_id)`,

  `CREATE TABLE IF NOT EXISTS payouts (
    created_at TIMESTAMP,
    processor SYMBOL,
    shop SYMBOL,
    payout_id VARCHAR,
    status SYMBOL,
    failed BOOLEAN,
    currency SYMBOL,
    amount_minor LONG,
    updated_at TIMESTAMP,
    received_at TIMESTAMP
  ) TIMESTAMP(created_at) PARTITION BY DAY TTL 2 YEARS WAL
  DEDUP UPSERT KEYS(created_at, processor, shop, payout_id)`,
];

export const PAYMENT_TABLE_NAMES = ["payments", "disputes", "payouts"];
