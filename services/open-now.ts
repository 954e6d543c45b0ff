import { delimiter, join } from "node:path";
import { existsSync } from "node:fs";
import type { PlatformModule } from "../platforms/adapter.ts";
import { connectSources, connectSwitches } from "../platforms/connect-switch.ts";
import { platforms } from "../platforms/index.ts";

/**
 * The short list `start` ends with: what a person can open right now. When `start` runs Grafana the
 * list names its dashboards; otherwise why not, where to get Grafana, and what works meanwhile.
 */
export type GrafanaState =
  { kind: "running"; url: string } | { kind: "not-started"; why: string } | { kind: "absent" };

export interface OpenNowInput {
  ingestUrl: string;
  /** The browser SDK's process: the script tag a storefront pastes loads from it. */
  behaviourUrl: string;
  connectUrl: string | undefined;
  alertingUrl: string | undefined;
  questdbUrl: string;
  grafana: GrafanaState;
  /** The registry the connect line reads (which stores connect, what switches it on); tests pass their own. */
  modules?: readonly PlatformModule[];
}

/** A URL as printed: without a user or password that QUESTDB_HTTP_URL may carry. */
function shown(url: string): string {
  const u = new URL(url);
  u.username = "";
  u.password = "";
  return u.toString().replace(/\/$/, "");
}

export function openNow(input: OpenNowInput): string[] {
  const lines = ["Open now:"];
  const questdbUrl = shown(input.questdbUrl);
  lines.push(...dashboards(input.grafana));
  lines.push(connectLine(input.connectUrl, input.modules ?? platforms));
  lines.push(
    `  SDK tag      <script src="${input.behaviourUrl}/sdk.js" data-site="<site id>" async></script>  (README "Customer behaviour on your own store")`,
  );
  if (input.alertingUrl) lines.push(`  alerts       ${input.alertingUrl}  (rules, what fires now, changes)`);
  lines.push(`  QuestDB      ${questdbUrl}  (web console: try SELECT * FROM orders LIMIT 10)`);
  lines.push(
    `  try it       curl -sG ${questdbUrl}/exec --data-urlencode 'query=select count() from orders'`,
    `               (README "Send a signed order webhook by hand" posts one to ${input.ingestUrl})`,
  );
  return lines;
}

/** The connect page and the sources it connects, or what would switch it on: both from the registry. */
function connectLine(url: string | undefined, modules: readonly PlatformModule[]): string {
  if (!url) return `  connect      off: ${connectSwitches(modules).hint}`;
  const sources = connectSources(modules);
  const named = sources.length > 1 ? `${sources.slice(0, -1).join(", ")} or ${sources.at(-1)}` : sources[0];
  return `  connect      ${url}  (connect a ${named ? `${named} ` : ""}store)`;
}

const MEANWHILE = "meanwhile the QuestDB console below shows every table";

function dashboards(grafana: GrafanaState): string[] {
  if (grafana.kind === "running")
    return [
      `  dashboards   ${grafana.url}/d/metricsdash-live-sales  (log in as GRAFANA_ADMIN_USER, default admin, with GRAFANA_ADMIN_PASSWORD from .env)`,
      `  TV wall      ${grafana.url}/d/metricsdash-tv-wall?kiosk&theme=dark`,
    ];
  const get =
    "install Grafana ≥ 12.3 from Grafana's own packages (https://grafana.com/grafana/download; put `grafana` on PATH or set GRAFANA_HOME) and start again, or `docker compose up -d grafana`";
  if (grafana.kind === "not-started")
    return [`  dashboards   Grafana not started: ${grafana.why}; ${MEANWHILE}`];
  return [`  dashboards   need Grafana: ${get}; ${MEANWHILE}`];
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
