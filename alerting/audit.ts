import type { Sender } from "@questdb/nodejs-client";
import { sqlString, type QuestDb } from "../core/questdb.ts";
import type { Rule } from "./rules.ts";
import type { RuleStore } from "./store.ts";

/**
 * Every change to a rule, kept with who made it, when, and the rule before and after: the
 * change-management record SOC 2 asks for. Kept two years like the other facts. Rules hold no
 * personal data (email channels hold work addresses of the people alerted, which the rule needs);
 * the actor is the login name of the settings page, not a person's name.
 */
export const RULE_AUDIT_TABLE = `CREATE TABLE IF NOT EXISTS rule_audit (
  ts TIMESTAMP,
  rule_id SYMBOL,
  action SYMBOL,
  actor VARCHAR,
  before VARCHAR,
  after VARCHAR
) TIMESTAMP(ts) PARTITION BY MONTH TTL 2 YEARS WAL
DEDUP UPSERT KEYS(ts, rule_id)`;

/** Who changed a rule when no one logged in: only possible with the API on loopback and no password. */
export const ANONYMOUS = "anonymous (loopback)";
export const DEFAULTS_ACTOR = "metricsdash (default rules on first start)";
export const FILE_ACTOR = "metricsdash (ALERT_RULES_FILE)";

/** The audit record could not be written, so the change was not made. */
export class AuditWriteError extends Error {
  constructor(ruleId: string, options: { cause: unknown }) {
    super(
      `the audit record of rule ${ruleId} could not be written to QuestDB: ${String(options.cause)}`,
      options,
    );
    this.name = "AuditWriteError";
  }
}

export type AuditAction = "created" | "changed" | "deleted";

export interface AuditEntry {
  ts: string;
  rule_id: string;
  action: AuditAction;
  actor: string;
  before: string | null;
  after: string | null;
}

/**
 * Rule changes go through here: the record is written first, so no change lands without its record
 * (a failed write refuses the change). A save that changes nothing records nothing.
 */
export class RuleAudit {
  private readonly sender: Sender;
  private readonly clock: () => number;
  private lastUs = 0n;

  constructor(sender: Sender, clock: () => number = Date.now) {
    this.sender = sender;
    this.clock = clock;
  }

  async put(store: RuleStore, rule: Rule, actor: string): Promise<AuditAction | null> {
    const before = store.rules.get(rule.id) ?? null;
    if (before && JSON.stringify(before) === JSON.stringify(rule)) return null;
    const action = before ? "changed" : "created";
    await this.record(rule.id, action, actor, before, rule);
    await store.put(rule);
    return action;
  }

  async delete(store: RuleStore, id: string, actor: string): Promise<boolean> {
    const before = store.rules.get(id);
    if (!before) return false;
    await this.record(id, "deleted", actor, before, null);
    return store.delete(id);
  }

  private async record(
    id: string,
    action: AuditAction,
    actor: string,
    before: Rule | null,
    after: Rule | null,
  ) {
    // Strictly increasing, so two changes of a rule in one millisecond stay two rows.
    const us = BigInt(this.clock()) * 1000n;
    this.lastUs = us > this.lastUs ? us : this.lastUs + 1n;
    const row = this.sender
      .table("rule_audit")
      .symbol("rule_id", id)
      .symbol("action", action)
      .stringColumn("actor", actor);
    if (before) row.stringColumn("before", JSON.stringify(before));
    if (after) row.stringColumn("after", JSON.stringify(after));
    try {
      await row.at(this.lastUs, "us");
      await this.sender.flush();
    } catch (err) {
      this.sender.reset();
      throw new AuditWriteError(id, { cause: err });
    }
  }
}

/** The latest changes, newest first; of one rule when `ruleId` is given. */
export async function recentChanges(db: QuestDb, ruleId?: string, limit = 50): Promise<AuditEntry[]> {
  const where = ruleId ? `WHERE rule_id = ${sqlString(ruleId)}` : "";
  return db.rows<AuditEntry & Record<string, unknown>>(
    `SELECT ts, rule_id, action, actor, before, after FROM rule_audit ${where} ORDER BY ts DESC LIMIT ${Math.min(500, Math.max(1, limit))}`,
  );
}
