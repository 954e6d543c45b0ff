import { delimiter, join } from "node:path";
import { existsSync } from "node:fs";

/**
 * The short list `start` ends with: what a person can open right now. Grafana is not run by `start`
 * (yet); when it is installed the list says where, otherwise where to get it and what works meanwhile.
 */
export interface OpenNowInput {
  ingestUrl: string;
  connectUrl: string | undefined;
  alertingUrl: string | undefined;
  questdbUrl: string;
  /** Where a `grafana` binary was found (PATH or GRAFANA_HOME), or undefined. */
  grafana: string | undefined;
}

export function openNow(input: OpenNowInput): string[] {
  const lines = ["Open now:"];
  lines.push(
    input.grafana
      ? `  dashboards   Grafana is installed (${input.grafana}); start does not run it yet: run it with provisioning/ (see docs/dashboards.md), then http://localhost:3000`
      : "  dashboards   need Grafana: `docker compose up -d grafana`, or Grafana's own packages (https://grafana.com/grafana/download); meanwhile the QuestDB console below shows every table",
  );
  lines.push(
    input.connectUrl
      ? `  connect      ${input.connectUrl}  (connect a WooCommerce, BigCommerce or Shopify store)`
      : "  connect      off: set STORE_WEBHOOK_KEY and/or SHOPIFY_API_KEY to let stores connect",
  );
  if (input.alertingUrl) lines.push(`  alerts       ${input.alertingUrl}  (rules, what fires now, changes)`);
  lines.push(`  QuestDB      ${input.questdbUrl}  (web console: try SELECT * FROM orders LIMIT 10)`);
  lines.push(
    `  try it       curl -sG ${input.questdbUrl}/exec --data-urlencode 'query=select count() from orders'`,
    `               (README "Send a signed order webhook by hand" posts one to ${input.ingestUrl})`,
  );
  return lines;
}

/** A `grafana` executable in GRAFANA_HOME/bin or on PATH. */
export function findGrafana(env: Record<string, string | undefined>): string | undefined {
  const dirs = [
    env.GRAFANA_HOME ? join(env.GRAFANA_HOME, "bin") : undefined,
    ...(env.PATH ?? "").split(delimiter),
  ];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, "grafana");
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
