import { z } from "zod";
import { commonEnv, unsetIfEmpty } from "../core/config.ts";
import { isLoopbackHost } from "../core/same-origin.ts";

export const alertingEnv = commonEnv
  .extend({
    ALERTING_HOST: z.string().default("127.0.0.1"),
    ALERTING_PORT: z.coerce.number().int().min(1).max(65535).default(8090),
    /** Rules (a JSON array) written to the rule store at start-up; the API and page edit them after. */
    ALERT_RULES_FILE: z.string().optional(),
    /** On a first start without ALERT_RULES_FILE, write the default rules (alerting/defaults.ts). */
    ALERT_DEFAULT_RULES: z.enum(["on", "off"]).default("on"),
    ALERT_EVAL_INTERVAL_MS: z.coerce.number().int().positive().default(30_000),
    /** PagerDuty's Events API base; tests and air-gapped installs point it elsewhere. */
    PAGERDUTY_EVENTS_URL: z.url().default("https://events.pagerduty.com"),
    /** e.g. smtp://user:pass@mail.example.com:587 (smtps:// for TLS on connect). Email channels need it. */
    SMTP_URL: unsetIfEmpty(z.url()),
    SMTP_FROM: z.string().default("MetricsDash alerts <alerts@metricsdash.local>"),
    /** Grafana, for links in notifications. */
    DASHBOARD_URL: z.url().default("http://localhost:3000"),
    /** Where people reach this service's settings page, for links in notifications. */
    ALERTING_PUBLIC_URL: unsetIfEmpty(z.url()),
    /** Retries of one notification inside an evaluation before it waits for the next one. */
    /** When set, the page and API ask for this password (user ALERTING_ADMIN_USER) with HTTP basic auth. */
    ALERTING_ADMIN_USER: z.string().min(1).default("admin"),
    ALERTING_ADMIN_PASSWORD: unsetIfEmpty(
      z.string().min(12, "ALERTING_ADMIN_PASSWORD must be at least 12 characters"),
    ),
    NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
    NOTIFY_BACKOFF_MS: z.coerce.number().int().min(1).default(500),
  })
  .superRefine((config, ctx) => {
    // Rules and their channels change through this API: beyond loopback, never without a password.
    if (!isLoopbackHost(config.ALERTING_HOST) && !config.ALERTING_ADMIN_PASSWORD)
      ctx.addIssue({
        code: "custom",
        path: ["ALERTING_ADMIN_PASSWORD"],
        message: `ALERTING_ADMIN_PASSWORD is required when ALERTING_HOST (${config.ALERTING_HOST}) is not a loopback address`,
      });
  });

export type AlertingConfig = z.infer<typeof alertingEnv>;
