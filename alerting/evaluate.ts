import type { Sender } from "@questdb/nodejs-client";
import type { Logger } from "../core/log.ts";
import type { QuestDb } from "../core/questdb.ts";
import { writeTransition } from "./history.ts";
import { measure } from "./measure.ts";
import { NotifyError, type Notice, type Notifier } from "./notifiers/types.ts";
import type { Channel, Rule } from "./rules.ts";
import { retire, step, type Incident, type Observation, type Outgoing } from "./state.ts";
import type { IncidentStore, RuleStore } from "./store.ts";

const INVENTORY_KINDS = new Set(["low_stock", "reorder_point", "stockout_eta"]);
/** Dashboard uids the notifications link to (the dashboards-as-code folder names them). */
export const DASHBOARD_PATHS = {
  inventory: "/d/metricsdash-inventory",
  sales: "/d/metricsdash-live-sales",
  payments: "/d/metricsdash-payments",
  fulfilment: "/d/metricsdash-fulfilment",
};
const PAYMENT_KINDS = new Set(["dispute_opened", "payout_failed", "payment_failures"]);
const SHIPPING_KINDS = new Set(["unshipped_after", "late_deliveries", "exception_rate"]);

export interface EvaluatorDeps {
  db: QuestDb;
  sender: Sender;
  rules: RuleStore;
  incidents: IncidentStore;
  notifiers: {
    pagerduty: Notifier<Extract<Channel, { type: "pagerduty" }>>;
    email: Notifier<Extract<Channel, { type: "email" }>>;
  };
  dashboardUrl: string;
  settingsUrl: string | null;
  log: Logger;
  backoffMs: number;
  clock?: () => number;
  /** Measurement, replaceable in unit tests of the loop; QuestDB in the service. */
  measure?: (db: QuestDb, rule: Rule, now: number) => Promise<Observation[]>;
}

/**
 * Each cycle: measure every enabled rule, step each subject's incident, persist transitions with
 * their outbox, then deliver the outbox. Persisting before delivering means a crash re-sends (PagerDuty
 * dedups by key) rather than forgets; an incident persisted as firing is never triggered twice.
 */
export class Evaluator {
  private readonly deps: EvaluatorDeps;
  private readonly clock: () => number;
  readonly ruleErrors = new Map<string, { at: number; error: string }>();
  private running: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  lastCycleAt = 0;

  constructor(deps: EvaluatorDeps) {
    this.deps = deps;
    this.clock = deps.clock ?? Date.now;
  }

  start(intervalMs: number): void {
    const loop = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.nudge().finally(loop), intervalMs);
    };
    void this.nudge().finally(loop);
  }

  /** Runs a cycle after the current one (the API calls this after an edit, so it shows at once). */
  nudge(): Promise<void> {
    this.running = this.running
      .then(() => this.cycle())
      .catch((err: unknown) => this.deps.log.error({ err: String(err) }, "evaluation cycle failed"));
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  async cycle(): Promise<void> {
    const { rules, incidents, log } = this.deps;
    const now = this.clock();
    for (const rule of rules.rules.values()) {
      if (!rule.enabled) {
        await this.retireAll(rule, now, "rule disabled");
        continue;
      }
      let observations: Observation[];
      try {
        observations = await (this.deps.measure ?? measure)(this.deps.db, rule, now);
        this.ruleErrors.delete(rule.id);
      } catch (err) {
        this.ruleErrors.set(rule.id, { at: now, error: String((err as Error).message ?? err) });
        log.warn({ rule: rule.id, err: String(err) }, "rule could not be evaluated");
        continue;
      }
      const seen = new Set<string>();
      for (const obs of observations) {
        seen.add(obs.subject);
        const previous = incidents.get(rule.id, obs.subject);
        const { next, transition } = step(rule, previous, obs, now);
        // Only transitions are persisted: a subject that never fired costs no KV write.
        if (transition) {
          log.info({ rule: rule.id, subject: obs.subject, transition, value: obs.value }, "alert transition");
          // One subject the store refuses must not stop the other subjects and rules from alerting.
          try {
            if (!(await incidents.save(next)))
              log.warn({ rule: rule.id, subject: obs.subject }, "incident changed elsewhere; skipped");
          } catch (err) {
            const error = `saving the incident of ${obs.subject.slice(0, 200)}: ${String((err as Error).message ?? err)}`;
            this.ruleErrors.set(rule.id, { at: now, error });
            log.error(
              { rule: rule.id, subject: obs.subject.slice(0, 200), err: String(err) },
              "incident not saved",
            );
          }
        } else incidents.touch(next);
      }
      // A firing subject the rule no longer measures (scope narrowed, SKU gone) would otherwise stay open forever.
      await this.retireAll(rule, now, "no longer measured by the rule", (i) => !seen.has(i.subject));
      await this.forgetOld(rule, now);
    }
    for (const rule of rules.deleted.values()) {
      await this.retireAll(rule, now, "rule deleted");
      await this.forgetOld(rule, now);
    }
    await this.deliver(now);
    this.lastCycleAt = now;
  }

  /** Resolved incidents past their cooldown (and a day) hold nothing worth keeping: their history is in QuestDB. */
  private async forgetOld(rule: Rule, now: number): Promise<void> {
    const keepMs = Math.max(rule.cooldownMinutes * 60_000, 86_400_000);
    for (const incident of [...this.deps.incidents.incidents.values()]) {
      if (incident.ruleId !== rule.id || incident.phase !== "resolved" || incident.outbox.length) continue;
      if (incident.resolvedAt !== null && incident.resolvedAt + keepMs < now)
        await this.deps.incidents.forget(incident);
    }
  }

  private async retireAll(
    rule: Rule,
    now: number,
    why: string,
    which: (incident: Incident) => boolean = () => true,
  ): Promise<void> {
    for (const incident of [...this.deps.incidents.incidents.values()]) {
      if (incident.ruleId !== rule.id || incident.phase !== "firing" || !which(incident)) continue;
      this.deps.log.info(
        { rule: rule.id, subject: incident.subject, why },
        "resolving an incident its rule no longer covers",
      );
      await this.deps.incidents.save(retire(rule, incident, now, why));
    }
  }

  private ruleOf(id: string): Rule | undefined {
    return this.deps.rules.rules.get(id) ?? this.deps.rules.deleted.get(id);
  }

  private notice(rule: Rule, incident: Incident, action: Notice["action"]): Notice {
    const path = INVENTORY_KINDS.has(rule.kind)
      ? DASHBOARD_PATHS.inventory
      : PAYMENT_KINDS.has(rule.kind)
        ? DASHBOARD_PATHS.payments
        : SHIPPING_KINDS.has(rule.kind)
          ? DASHBOARD_PATHS.fulfilment
          : DASHBOARD_PATHS.sales;
    const dashboard = new URL(path, this.deps.dashboardUrl);
    dashboard.searchParams.set("var-shop", incident.shop);
    const settings = this.deps.settingsUrl
      ? `${this.deps.settingsUrl.replace(/\/$/, "")}/#rule=${encodeURIComponent(rule.id)}`
      : null;
    return { action, rule, incident, links: { dashboard: dashboard.toString(), settings } };
  }

  /** Sends what is due in every outbox; keeps what failed for a later cycle, drops what can never succeed. */
  async deliver(now: number): Promise<void> {
    const { incidents, log } = this.deps;
    for (const incident of [...incidents.incidents.values()]) {
      if (!incident.outbox.some((o) => o.nextAt <= now)) continue;
      const rule = this.ruleOf(incident.ruleId);
      const outbox: Outgoing[] = [];
      const failures = [...incident.failures];
      for (const item of incident.outbox) {
        if (item.nextAt > now || !rule) {
          outbox.push(item);
          continue;
        }
        try {
          if (item.kind === "history") {
            await writeTransition(this.deps.sender, rule, incident, item.state, item.at);
          } else {
            const channel = rule.channels[item.channel];
            if (!channel) continue; // the rule lost that channel since: nothing to send it to
            const notice = this.notice(rule, incident, item.action);
            if (channel.type === "pagerduty") await this.deps.notifiers.pagerduty.send(notice, channel);
            else await this.deps.notifiers.email.send(notice, channel);
          }
        } catch (err) {
          if (item.kind === "history") this.deps.sender.reset();
          const retryable = !(err instanceof NotifyError) || err.retryable;
          const error = String((err as Error).message ?? err);
          const what =
            item.kind === "history"
              ? "alerts history"
              : `${rule.channels[item.channel]?.type} ${item.action}`;
          if (retryable) {
            const attempts = item.attempts + 1;
            outbox.push({
              ...item,
              attempts,
              nextAt: now + Math.min(300_000, this.deps.backoffMs * 2 ** attempts),
              lastError: error,
            });
            log.warn(
              { rule: rule.id, subject: incident.subject, what, attempts, err: error },
              "delivery failed, will retry",
            );
          } else {
            failures.push({ at: now, what, error });
            log.error(
              { rule: rule.id, subject: incident.subject, what, err: error },
              "delivery refused, not retried",
            );
          }
        }
      }
      await incidents.save({ ...incident, outbox, failures: failures.slice(-10) });
    }
  }
}
