import type { Channel } from "../rules.ts";
import { NotifyError, type Notice, type Notifier } from "./types.ts";

type PagerDutyChannel = Extract<Channel, { type: "pagerduty" }>;

/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`). Trigger and resolve share the incident's stable
 * `dedup_key`, so a re-sent trigger (after a crash, a retry) folds into the open incident instead of
 * paging again. 202 is success; 400 means the event itself is wrong (never retried); 429 and 5xx
 * are retried with exponential back-off, then left to the next evaluation.
 */
export function pagerDutyNotifier(options: {
  eventsUrl: string;
  env: Record<string, string | undefined>;
  maxAttempts: number;
  backoffMs: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}): Notifier<PagerDutyChannel> {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const endpoint = new URL("/v2/enqueue", options.eventsUrl).toString();

  return {
    async send(notice, channel) {
      const routingKey = options.env[channel.routingKeyEnv];
      if (!routingKey)
        throw new NotifyError(
          `${channel.routingKeyEnv} is not set: no PagerDuty routing key for rule ${notice.rule.id}`,
          false,
        );
      const body = JSON.stringify(pagerDutyEvent(notice, routingKey));
      for (let attempt = 1; ; attempt++) {
        let status: number;
        let text: string;
        try {
          const response = await doFetch(endpoint, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
            signal: AbortSignal.timeout(10_000),
          });
          status = response.status;
          text = await response.text();
        } catch (err) {
          status = 0;
          text = String(err);
        }
        if (status === 202) return;
        const retryable = status === 0 || status === 429 || status >= 500;
        const message = `PagerDuty ${notice.action} for ${notice.incident.dedupKey}: ${status || "unreachable"} ${text.slice(0, 300)}`;
        if (!retryable) throw new NotifyError(message, false);
        if (attempt >= options.maxAttempts) throw new NotifyError(message, true);
        await sleep(options.backoffMs * 2 ** (attempt - 1));
      }
    },
  };
}

const SEVERITY = { critical: "critical", error: "error", warning: "warning", info: "info" } as const;

export function pagerDutyEvent(notice: Notice, routingKey: string) {
  const { incident, rule } = notice;
  if (notice.action === "resolve") {
    return { routing_key: routingKey, event_action: "resolve", dedup_key: incident.dedupKey };
  }
  const links = [{ href: notice.links.dashboard, text: "Open the dashboard" }];
  if (notice.links.settings) links.push({ href: notice.links.settings, text: "Alert rules" });
  return {
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key: incident.dedupKey,
    client: "MetricsDash",
    client_url: notice.links.dashboard,
    payload: {
      summary: incident.summary.slice(0, 1024),
      source: incident.shop,
      severity: SEVERITY[rule.severity],
      timestamp: new Date(incident.firedAt ?? incident.evaluatedAt).toISOString(),
      component: incident.sku ?? undefined,
      group: incident.platform,
      class: rule.kind,
      custom_details: {
        rule: rule.name,
        rule_id: rule.id,
        value: incident.value,
        threshold: incident.threshold,
        ...incident.details,
      },
    },
    links,
  };
}
