import { serve } from "@hono/node-server";
import { loadConfig } from "../core/config.ts";
import { installCrashHandlers } from "../core/crash.ts";
import { createLogger } from "../core/log.ts";
import { connectNats } from "../core/nats.ts";
import { QuestDb } from "../core/questdb.ts";
import { onShutdown } from "../core/shutdown.ts";
import { isLoopbackHost, loopbackHosts } from "../core/same-origin.ts";
import { createAlertingApp } from "./api.ts";
import { DEFAULTS_ACTOR, FILE_ACTOR, RULE_AUDIT_TABLE, RuleAudit } from "./audit.ts";
import { alertingEnv } from "./config.ts";
import { DEFAULT_RULES } from "./defaults.ts";
import { Evaluator } from "./evaluate.ts";
import { ALERTS_TABLE } from "./history.ts";
import { emailNotifier } from "./notifiers/email.ts";
import { pagerDutyNotifier } from "./notifiers/pagerduty.ts";
import { IncidentStore, RuleStore } from "./store.ts";

const log = createLogger("alerting");
installCrashHandlers(log);
const config = loadConfig(alertingEnv);

const db = new QuestDb(config.QUESTDB_HTTP_URL);
await db.exec(ALERTS_TABLE);
await db.exec(RULE_AUDIT_TABLE);
const nc = await connectNats(config.NATS_URL, "metricsdash-alerting", log);
const rules = await RuleStore.open(nc, log);
const audit = new RuleAudit(await db.sender());
if (config.ALERT_RULES_FILE) {
  const n = await rules.seedFromFile(config.ALERT_RULES_FILE, (rule) => audit.put(rules, rule, FILE_ACTOR));
  log.info({ file: config.ALERT_RULES_FILE, rules: n }, "rules loaded from file");
} else if (config.ALERT_DEFAULT_RULES === "on" && rules.firstStart) {
  for (const rule of DEFAULT_RULES) await audit.put(rules, rule, DEFAULTS_ACTOR);
  log.info({ rules: DEFAULT_RULES.map((r) => r.id) }, "first start: default rules written (no channels yet)");
}
const incidents = await IncidentStore.open(nc);
log.info({ rules: rules.rules.size, incidents: incidents.incidents.size }, "rule and incident stores open");

const publicUrl = config.ALERTING_PUBLIC_URL ?? `http://${config.ALERTING_HOST}:${config.ALERTING_PORT}`;
const email = emailNotifier({ smtpUrl: config.SMTP_URL, from: config.SMTP_FROM });
const notifiers = {
  pagerduty: pagerDutyNotifier({
    eventsUrl: config.PAGERDUTY_EVENTS_URL,
    env: process.env,
    maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
    backoffMs: config.NOTIFY_BACKOFF_MS,
  }),
  email,
};
const evaluator = new Evaluator({
  db,
  sender: await db.sender(),
  rules,
  incidents,
  notifiers,
  dashboardUrl: config.DASHBOARD_URL,
  settingsUrl: publicUrl,
  log,
  backoffMs: config.NOTIFY_BACKOFF_MS,
});
evaluator.start(config.ALERT_EVAL_INTERVAL_MS);

const app = createAlertingApp({
  rules,
  incidents,
  evaluator,
  db,
  env: process.env,
  notifiers,
  audit,
  links: { dashboard: config.DASHBOARD_URL, settings: publicUrl },
  // Bound to loopback, DNS rebinding is the way in: only the loopback names (and the public URL) answer.
  origin: {
    ...(isLoopbackHost(config.ALERTING_HOST)
      ? {
          hosts: [
            ...loopbackHosts(config.ALERTING_PORT),
            ...(config.ALERTING_PUBLIC_URL ? [new URL(config.ALERTING_PUBLIC_URL).host] : []),
          ],
        }
      : {}),
    origins: config.ALERTING_PUBLIC_URL ? [new URL(config.ALERTING_PUBLIC_URL).origin] : [],
  },
  ...(config.ALERTING_ADMIN_PASSWORD
    ? { auth: { username: config.ALERTING_ADMIN_USER, password: config.ALERTING_ADMIN_PASSWORD } }
    : {}),
});
const server = serve({ fetch: app.fetch, hostname: config.ALERTING_HOST, port: config.ALERTING_PORT });
log.info({ url: publicUrl }, "alerting API and settings page listening");

onShutdown(log, async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // An open settings page keeps a keep-alive connection; don't let it hold the drain.
  if ("closeIdleConnections" in server) server.closeIdleConnections();
  await closed;
  await evaluator.stop();
  await rules.close();
  email.close();
  await nc.drain();
});
