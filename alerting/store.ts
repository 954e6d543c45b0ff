import { readFile } from "node:fs/promises";
import { KvWatchInclude, Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { boundedToken } from "../core/events.ts";
import type { Logger } from "../core/log.ts";
import { parseRule, type Rule } from "./rules.ts";
import type { Incident } from "./state.ts";

export const RULES_BUCKET = "alert_rules";
export const INCIDENTS_BUCKET = "alert_incidents";

/**
 * Rules in NATS KV, kept current in memory by a watch: an edit through the API, the page, another
 * replica or `nats kv put` is seen at the next evaluation, no restart.
 */
export class RuleStore {
  readonly kv: KV;
  private readonly log: Logger;
  readonly rules = new Map<string, Rule>();
  /** The last version of each deleted rule, so its open incidents can still be resolved on its channels. */
  readonly deleted = new Map<string, Rule>();
  /** True when the bucket had never held a rule (not even a deleted one): a first start. */
  firstStart = false;
  private watching: Promise<void> | undefined;
  private stopWatch: (() => void) | undefined;

  private constructor(kv: KV, log: Logger) {
    this.kv = kv;
    this.log = log;
  }

  static async open(nc: NatsConnection, log: Logger): Promise<RuleStore> {
    const kv = await new Kvm(nc).create(RULES_BUCKET, { history: 5 });
    const store = new RuleStore(kv, log);
    await store.start();
    return store;
  }

  private async start(): Promise<void> {
    const watch = await this.kv.watch({ include: KvWatchInclude.LastValue });
    this.stopWatch = () => watch.stop();
    let initialDone!: () => void;
    const initial = new Promise<void>((resolve) => (initialDone = resolve));
    const status = await this.kv.status();
    // Deletes leave markers in the bucket's stream, so "no values at all" means nothing was ever written.
    this.firstStart = status.values === 0;
    if (status.values === 0) initialDone();
    this.watching = (async () => {
      for await (const entry of watch) {
        if (entry.operation === "PUT") {
          const parsed = parseRule(entry.json());
          if (parsed.ok) {
            this.rules.set(entry.key, parsed.rule);
            this.deleted.delete(entry.key);
          } else
            this.log.error({ rule: entry.key, problems: parsed.text }, "invalid rule in the store, ignored");
        } else {
          const previous = this.rules.get(entry.key);
          if (previous) this.deleted.set(entry.key, previous);
          this.rules.delete(entry.key);
        }
        if (entry.delta === 0) initialDone();
      }
    })();
    // The watch reports delta 0 on the last value it replays; don't hang if the bucket emptied meanwhile.
    await Promise.race([initial, new Promise((r) => setTimeout(r, 2000))]);
  }

  async put(rule: Rule): Promise<void> {
    await this.kv.put(rule.id, JSON.stringify(rule));
    this.rules.set(rule.id, rule);
    this.deleted.delete(rule.id);
  }

  async delete(id: string): Promise<boolean> {
    const existing = this.rules.get(id);
    if (!existing) return false;
    await this.kv.delete(id);
    this.deleted.set(id, existing);
    this.rules.delete(id);
    return true;
  }

  /** Loads a JSON array of rules; any invalid rule stops start-up with its index and what is wrong. */
  async seedFromFile(
    path: string,
    put: (rule: Rule) => Promise<unknown> = (r) => this.put(r),
  ): Promise<number> {
    let data: unknown;
    try {
      data = JSON.parse(await readFile(path, "utf8"));
    } catch (err) {
      throw new Error(`ALERT_RULES_FILE ${path}: ${(err as Error).message}`, { cause: err });
    }
    if (!Array.isArray(data)) throw new Error(`ALERT_RULES_FILE ${path}: expected a JSON array of rules`);
    const rules = data.map((item, i) => {
      const parsed = parseRule(item);
      if (!parsed.ok)
        throw new Error(
          `ALERT_RULES_FILE ${path}: rule #${i + 1}:\n  ${parsed.text.replaceAll("\n", "\n  ")}`,
        );
      return parsed.rule;
    });
    for (const rule of rules) await put(rule);
    return rules.length;
  }

  async close(): Promise<void> {
    this.stopWatch?.();
    await this.watching;
  }
}

/**
 * Incidents in NATS KV, one key per rule and subject, written with compare-and-set on the revision:
 * two replicas can't both claim the same transition, and a restarted worker continues from here.
 */
export class IncidentStore {
  readonly kv: KV;
  private readonly revisions = new Map<string, number>();
  readonly incidents = new Map<string, Incident>();

  private constructor(kv: KV) {
    this.kv = kv;
  }

  static async open(nc: NatsConnection): Promise<IncidentStore> {
    const kv = await new Kvm(nc).create(INCIDENTS_BUCKET, { history: 1 });
    const store = new IncidentStore(kv);
    await store.reload();
    return store;
  }

  static key(ruleId: string, subject: string): string {
    return `${ruleId}.${boundedToken(subject)}`;
  }

  async reload(): Promise<void> {
    this.incidents.clear();
    this.revisions.clear();
    const keys: string[] = [];
    for await (const key of await this.kv.keys()) keys.push(key);
    for (const key of keys) {
      const entry = await this.kv.get(key);
      if (entry && entry.operation === "PUT") {
        this.incidents.set(key, entry.json<Incident>());
        this.revisions.set(key, entry.revision);
      }
    }
  }

  get(ruleId: string, subject: string): Incident | undefined {
    return this.incidents.get(IncidentStore.key(ruleId, subject));
  }

  /** Fresh numbers without a transition: kept in memory for the page, not worth a KV write each cycle. */
  touch(incident: Incident): void {
    this.incidents.set(IncidentStore.key(incident.ruleId, incident.subject), incident);
  }

  async forget(incident: Incident): Promise<void> {
    const key = IncidentStore.key(incident.ruleId, incident.subject);
    await this.kv.delete(key);
    this.incidents.delete(key);
    this.revisions.delete(key);
  }

  /** False when someone else wrote the incident since we read it (our copy is refreshed then). */
  async save(incident: Incident): Promise<boolean> {
    const key = IncidentStore.key(incident.ruleId, incident.subject);
    const revision = this.revisions.get(key);
    const data = JSON.stringify(incident);
    try {
      const next =
        revision === undefined ? await this.kv.create(key, data) : await this.kv.update(key, data, revision);
      this.revisions.set(key, next);
      this.incidents.set(key, incident);
      return true;
    } catch (err) {
      if (!/wrong last sequence|key exists/i.test(String(err))) throw err;
      const entry = await this.kv.get(key);
      if (entry && entry.operation === "PUT") {
        this.incidents.set(key, entry.json<Incident>());
        this.revisions.set(key, entry.revision);
      }
      return false;
    }
  }
}
