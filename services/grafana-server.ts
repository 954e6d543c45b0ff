import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { QUESTDB_PLUGIN, QUESTDB_PLUGIN_VERSION } from "../grafana/questdb.ts";
import { processService, type NodeService } from "./node-service.ts";
import { waitFor } from "./ports.ts";
import { spawnServer } from "./process.ts";

/**
 * Grafana without Docker: `start` runs an installed `grafana` (GRAFANA_HOME/bin or PATH) as
 * `grafana server --homepath … --config …`, with the checkout's `provisioning/` folder, so it shows
 * the same data source and dashboards as the compose Grafana. Its data, logs and plugins live in
 * `.data/grafana/`. The QuestDB plugin comes through Grafana's own `preinstall_sync` (installed
 * before provisioning runs, Grafana ≥ 12.1). Secrets reach it through the environment, not the file.
 */
export interface GrafanaOptions {
  /** The `grafana` executable (services/open-now.ts `findGrafana`). */
  binary: string;
  /** The checkout: its `provisioning/` is what Grafana provisions. */
  root: string;
  /** Where Grafana keeps its data, logs and plugins (`.data/grafana`). */
  dir: string;
  port: number;
  /** Address to listen on; 127.0.0.1 unless PUBLIC_BIND says otherwise (as in compose). */
  bind: string;
  /** QuestDB's PG wire, and the read-only login Grafana uses there. */
  questdb: { host: string; user: string; password: string };
  admin: { user: string; password: string };
  env: NodeJS.ProcessEnv;
  output: string;
  readyTimeoutMs?: number;
}

/**
 * Grafana's home (its `conf/defaults.ini` and `public/`): GRAFANA_HOME; else the folder above the
 * binary, as in Grafana's tarball; else `/usr/share/grafana`, where Grafana's .deb and .rpm put it.
 */
export function grafanaHome(binary: string, env: Record<string, string | undefined>): string {
  if (env.GRAFANA_HOME) return env.GRAFANA_HOME;
  const above = dirname(dirname(binary));
  if (existsSync(join(above, "conf", "defaults.ini"))) return above;
  return existsSync("/usr/share/grafana/conf/defaults.ini") ? "/usr/share/grafana" : above;
}

/** The ini `start` writes: paths, the listening address, the plugin, no sign-up, no anonymous access. */
export function grafanaIni(options: Pick<GrafanaOptions, "root" | "dir" | "port" | "bind">): string {
  const { root, dir } = options;
  return `; Written by ./metricsdash start (services/grafana-server.ts) on every start; edits are lost.
[paths]
data = ${join(dir, "data")}
logs = ${join(dir, "logs")}
plugins = ${join(dir, "plugins")}
provisioning = ${join(root, "provisioning")}

[server]
http_addr = ${options.bind}
http_port = ${options.port}

[auth.anonymous]
enabled = false

[users]
allow_sign_up = false

[analytics]
reporting_enabled = false

[plugins]
preinstall_sync = ${QUESTDB_PLUGIN}@${QUESTDB_PLUGIN_VERSION}

[dashboards]
default_home_dashboard_path = ${join(root, "provisioning", "dashboards", "live-sales.json")}
`;
}

/** What the provisioning files read from Grafana's environment, plus the admin login. */
export function grafanaEnv(
  options: Pick<GrafanaOptions, "root" | "questdb" | "admin" | "env">,
): NodeJS.ProcessEnv {
  return {
    ...options.env,
    QUESTDB_HOST: options.questdb.host,
    QUESTDB_READONLY_USER: options.questdb.user,
    QUESTDB_READONLY_PASSWORD: options.questdb.password,
    GRAFANA_DASHBOARDS_DIR: join(options.root, "provisioning", "dashboards"),
    GF_SECURITY_ADMIN_USER: options.admin.user,
    GF_SECURITY_ADMIN_PASSWORD: options.admin.password,
  };
}

/** Grafana as a supervised service: ready when `/api/health` answers 200. */
export function grafanaService(options: GrafanaOptions): NodeService & { readonly url: string } {
  const config = join(options.dir, "grafana.ini");
  const home = grafanaHome(options.binary, options.env);
  const url = `http://127.0.0.1:${options.port}`;
  const healthy = async () => {
    try {
      return (await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) })).ok;
    } catch {
      return false; // not listening yet: waitFor asks again
    }
  };
  const service = processService(
    "grafana",
    () => {
      mkdirSync(join(options.dir, "logs"), { recursive: true });
      writeFileSync(config, grafanaIni(options), { mode: 0o600 });
      return spawnServer(
        options.binary,
        ["server", "--homepath", home, "--config", config],
        grafanaEnv(options),
        options.output,
      );
    },
    {
      ready: () => waitFor("Grafana /api/health", healthy, options.readyTimeoutMs ?? 180_000),
      logs: options.output,
    },
  );
  return Object.assign(service, { url });
}

/**
 * The Grafana `start` runs, from its environment (services/env.sh generates the two passwords into
 * `.env` when neither has them), and what QuestDB needs for Grafana's read-only login. Undefined
 * when no `grafana` is installed.
 */
export function localGrafana(
  binary: string | undefined,
  env: NodeJS.ProcessEnv,
  paths: { root: string; dir: string },
): { service: ReturnType<typeof grafanaService>; questdbEnv: Record<string, string> } | undefined {
  if (!binary) return undefined;
  const user = env.QUESTDB_READONLY_USER || "grafana";
  const password = env.QUESTDB_READONLY_PASSWORD;
  const adminPassword = env.GRAFANA_ADMIN_PASSWORD;
  if (!password || !adminPassword)
    throw new Error("QUESTDB_READONLY_PASSWORD and GRAFANA_ADMIN_PASSWORD must be set to run Grafana");
  const service = grafanaService({
    binary,
    root: paths.root,
    dir: paths.dir,
    port: Number(env.GRAFANA_PORT ?? 3000),
    bind: env.PUBLIC_BIND || "127.0.0.1",
    questdb: { host: "127.0.0.1", user, password },
    admin: { user: env.GRAFANA_ADMIN_USER || "admin", password: adminPassword },
    env,
    output: join(paths.dir, "grafana.out"),
  });
  return {
    service,
    // QuestDB's own read-only PG user, as docker-compose.yml enables it.
    questdbEnv: {
      QDB_PG_READONLY_USER_ENABLED: "true",
      QDB_PG_READONLY_USER: user,
      QDB_PG_READONLY_PASSWORD: password,
    },
  };
}
