import type { Sender } from "@questdb/nodejs-client";
import { shopTables } from "../core/shop-data.ts";
import type { Rule } from "./rules.ts";
import type { Incident } from "./state.ts";

/** Every transition of every incident; Grafana shows them as annotations. Keyed so a re-write after a restart lands on the same row. */
export const ALERTS_TABLE = `CREATE TABLE IF NOT EXISTS alerts (
  ts TIMESTAMP,
  rule_id SYMBOL,
  rule_name VARCHAR,
  kind SYMBOL,
  severity SYMBOL,
  state SYMBOL,
  subject SYMBOL,
  platform SYMBOL,
  shop SYMBOL,
  sku SYMBOL,
  value DOUBLE,
  threshold DOUBLE,
  summary VARCHAR,
  dedup_key VARCHAR
) TIMESTAMP(ts) PARTITION BY DAY TTL 90 DAYS WAL
DEDUP UPSERT KEYS(ts, rule_id, subject, state)`;

/** `alerts` holds a shop's rows (its `platform` and `shop`, empty for rules not about one shop): shop/redact covers it. */
export const ALERT_SHOP_TABLES = shopTables([{ table: "alerts", ts: "ts", by: "DAY" }]);

/** Grafana annotation query (`$__timeFilter` is the dashboard's range): one marker per firing and per resolve. */
export const ALERT_ANNOTATIONS = `SELECT ts AS time, concat(upper(state), ': ', summary) AS text, concat(kind, ',', severity, ',', state) AS tags
FROM alerts WHERE $__timeFilter(ts) ORDER BY ts`;

/** Table: incidents firing now (their latest transition is a firing). */
export const FIRING_NOW = `SELECT ts AS since, rule_name, severity, shop, sku, summary
FROM (SELECT * FROM alerts LATEST ON ts PARTITION BY rule_id, subject) WHERE state = 'firing' ORDER BY ts DESC`;

export async function writeTransition(
  sender: Sender,
  rule: Rule,
  incident: Incident,
  state: "firing" | "resolved",
  at: number,
): Promise<void> {
  const row = sender
    .table("alerts")
    .symbol("rule_id", rule.id)
    .symbol("kind", rule.kind)
    .symbol("severity", rule.severity)
    .symbol("state", state)
    .symbol("subject", incident.subject)
    .symbol("platform", incident.platform)
    .symbol("shop", incident.shop);
  if (incident.sku) row.symbol("sku", incident.sku);
  row
    .stringColumn("rule_name", rule.name)
    .stringColumn("summary", incident.summary)
    .stringColumn("dedup_key", incident.dedupKey);
  if (incident.value !== null && Number.isFinite(incident.value)) row.floatColumn("value", incident.value);
  if (incident.threshold !== null && Number.isFinite(incident.threshold))
    row.floatColumn("threshold", incident.threshold);
  await row.at(BigInt(at) * 1000n, "us");
  await sender.flush();
}
