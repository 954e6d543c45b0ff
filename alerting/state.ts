import type { Rule } from "./rules.ts";

/**
 * One incident per rule and subject: ok → firing → resolved (→ firing again, after the cooldown).
 * Pure: the evaluator persists what this returns, then delivers what the outbox holds.
 */

export type Phase = "ok" | "firing" | "resolved";

/** What a rule measured for one subject, judged against the rule's line and its hysteresis. */
export interface Observation {
  subject: string;
  platform: string;
  shop: string;
  sku: string | null;
  value: number | null;
  /** The line the value is compared with (for messages and history). */
  threshold: number | null;
  /** Past the line: fire (unless already firing). */
  breached: boolean;
  /** Back past the line by the hysteresis: resolve (if firing). */
  cleared: boolean;
  summary: string;
  details: Record<string, string | number | boolean | null>;
}

export type Outgoing =
  | {
      kind: "channel";
      channel: number;
      action: "trigger" | "resolve";
      attempts: number;
      nextAt: number;
      lastError?: string;
    }
  | {
      kind: "history";
      state: "firing" | "resolved";
      at: number;
      attempts: number;
      nextAt: number;
      lastError?: string;
    };

export interface Incident {
  ruleId: string;
  subject: string;
  platform: string;
  shop: string;
  sku: string | null;
  phase: Phase;
  /** Stable per rule and subject: PagerDuty folds every trigger of an open incident into one. */
  dedupKey: string;
  firedAt: number | null;
  resolvedAt: number | null;
  value: number | null;
  threshold: number | null;
  summary: string;
  details: Observation["details"];
  evaluatedAt: number;
  /** A breach seen during the cooldown after a resolve: not notified. */
  suppressedUntil: number | null;
  outbox: Outgoing[];
  /** Deliveries given up on (a 400 from PagerDuty, say), kept for the page. */
  failures: { at: number; what: string; error: string }[];
}

export function dedupKey(ruleId: string, subject: string): string {
  return `metricsdash/${ruleId}/${subject}`.slice(0, 255);
}

export type Transition = "fired" | "resolved" | null;

export function step(
  rule: Rule,
  previous: Incident | undefined,
  obs: Observation,
  now: number,
): { next: Incident; transition: Transition } {
  const base: Incident = previous ?? {
    ruleId: rule.id,
    subject: obs.subject,
    platform: obs.platform,
    shop: obs.shop,
    sku: obs.sku,
    phase: "ok",
    dedupKey: dedupKey(rule.id, obs.subject),
    firedAt: null,
    resolvedAt: null,
    value: null,
    threshold: null,
    summary: "",
    details: {},
    evaluatedAt: now,
    suppressedUntil: null,
    outbox: [],
    failures: [],
  };
  const measured = { value: obs.value, threshold: obs.threshold, evaluatedAt: now };

  if (base.phase === "firing") {
    if (obs.cleared) {
      // The resolve message carries the numbers that resolved it.
      const next = {
        ...base,
        ...measured,
        phase: "resolved" as const,
        resolvedAt: now,
        summary: obs.summary,
        details: obs.details,
      };
      return { next: enqueue(next, rule, "resolve", now), transition: "resolved" };
    }
    // Still firing: keep the numbers current for the page, but the incident's message stays the one sent.
    return { next: { ...base, ...measured }, transition: null };
  }

  if (obs.breached) {
    const cooldownEnds = base.resolvedAt === null ? 0 : base.resolvedAt + rule.cooldownMinutes * 60_000;
    if (now < cooldownEnds)
      return { next: { ...base, ...measured, suppressedUntil: cooldownEnds }, transition: null };
    const next = {
      ...base,
      ...measured,
      phase: "firing" as const,
      firedAt: now,
      resolvedAt: null,
      suppressedUntil: null,
      summary: obs.summary,
      details: obs.details,
    };
    return { next: enqueue(next, rule, "trigger", now), transition: "fired" };
  }
  return { next: { ...base, ...measured, suppressedUntil: null }, transition: null };
}

/** The rule was disabled or deleted while its incident was open: resolve it, rather than leave a page open forever. */
export function retire(rule: Rule, incident: Incident, now: number, why: string): Incident {
  const next = {
    ...incident,
    phase: "resolved" as const,
    resolvedAt: now,
    evaluatedAt: now,
    summary: `${incident.summary} (${why})`,
  };
  return enqueue(next, rule, "resolve", now);
}

function enqueue(incident: Incident, rule: Rule, action: "trigger" | "resolve", now: number): Incident {
  // A resolve supersedes an undelivered trigger of the same incident (and vice versa): send only the latest.
  const outbox: Outgoing[] = incident.outbox.filter((o) => o.kind !== "channel");
  rule.channels.forEach((_, channel) =>
    outbox.push({ kind: "channel", channel, action, attempts: 0, nextAt: now }),
  );
  outbox.push({
    kind: "history",
    state: action === "trigger" ? "firing" : "resolved",
    at: now,
    attempts: 0,
    nextAt: now,
  });
  return { ...incident, outbox };
}
