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
