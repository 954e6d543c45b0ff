import type { QuestDb } from "../core/questdb.ts";
import { measure } from "./measure.ts";
import type { Notice, Notifier } from "./notifiers/types.ts";
import type { Channel, Rule } from "./rules.ts";
import { dedupKey, type Incident } from "./state.ts";

/**
 * What a rule would do now, without doing it: the same measurement the evaluator makes, judged
 * against the rule's line, with no incident written and nothing sent. A subject inside its cooldown
 * still counts: the question is "is this past the line", not "would it page".
 */
export async function wouldFire(db: QuestDb, rule: Rule, now: number) {
  const observations = await measure(db, rule, now);
  return {
    measured: observations.length,
    firing: observations
      .filter((o) => o.breached)
      .map(({ subject, summary, value, threshold }) => ({ subject, summary, value, threshold })),
  };
}

export interface TestNotifiers {
  pagerduty: Notifier<Extract<Channel, { type: "pagerduty" }>>;
  email: Notifier<Extract<Channel, { type: "email" }>>;
}

export type ChannelResult = { channel: string; ok: true } | { channel: string; ok: false; error: string };

const describe = (channel: Channel) =>
  channel.type === "email" ? `email ${channel.to.join(", ")}` : `pagerduty ${channel.routingKeyEnv}`;

/**
 * One test message per channel of the rule, marked as a test, so a person sees where alerts will
 * arrive before one is real. PagerDuty gets a trigger and at once its resolve (same dedup key), so the
 * test leaves no open incident behind.
 */
export async function sendTestNotification(
  rule: Rule,
  notifiers: TestNotifiers,
  links: Notice["links"],
  now: number,
): Promise<ChannelResult[]> {
  const subject = `test-${now}`;
  const incident: Incident = {
    ruleId: rule.id,
    subject,
    platform: rule.scope.platform ?? "test",
    shop: rule.scope.shops[0] ?? "test",
    sku: null,
    phase: "firing",
    dedupKey: dedupKey(rule.id, subject),
    firedAt: now,
    resolvedAt: now,
    value: null,
    threshold: null,
    summary: `Test notification for the rule "${rule.name}": nothing is wrong, this shows where its alerts arrive`,
    details: { test: true },
    evaluatedAt: now,
    suppressedUntil: null,
    outbox: [],
    failures: [],
  };
  const results: ChannelResult[] = [];
  for (const channel of rule.channels) {
    const notice = (action: Notice["action"]): Notice => ({ action, rule, incident, links });
    try {
      if (channel.type === "pagerduty") {
        await notifiers.pagerduty.send(notice("trigger"), channel);
        await notifiers.pagerduty.send(notice("resolve"), channel);
      } else await notifiers.email.send(notice("trigger"), channel);
      results.push({ channel: describe(channel), ok: true });
    } catch (err) {
      // Every failure is the person's to see (a wrong address, an unset key), not ours to hide.
      results.push({ channel: describe(channel), ok: false, error: String((err as Error).message ?? err) });
    }
  }
  return results;
}
