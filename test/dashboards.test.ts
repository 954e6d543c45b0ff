import { ONE_SHOP } from "../grafana/sql/one-shop.ts";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Dashboard, Panel } from "@grafana/grafana-foundation-sdk/dashboard";
import { connectEnv, ingestEnv, loadConfig, natsAuthFields, processorsEnv } from "../core/config.ts";
import { flowWanted } from "../platforms/connect-switch.ts";
import { alertingEnv } from "../alerting/config.ts";
import { createLogger } from "../core/log.ts";
import { loadApis } from "../processors/fetchers/index.ts";
import { loadAdapters } from "../platforms/load.ts";
import { DASHBOARDS, renderDashboard } from "../grafana/dashboards.ts";
import { DASHBOARD_DIR, staleDashboards } from "../grafana/generate.ts";
import { pluginCompat, satisfies } from "../grafana/compat.ts";
import { QUESTDB, QUESTDB_PLUGIN, QUESTDB_PLUGIN_VERSION } from "../grafana/questdb.ts";
import { GRAFANA_BUILTIN, MIXED } from "../grafana/live.ts";
import { TILE_FIELDS, TILE_METRICS, tileMeasurement } from "../core/live-channel.ts";
import { platforms } from "../platforms/index.ts";
import { salesEnv } from "../processors/sales/config.ts";
import { liveEnv } from "../processors/live/config.ts";
import { QUESTDB_WORKER_IDLE } from "../services/questdb-server.ts";
import { behaviourEnv, behaviourServerEnv } from "../ingest/behaviour/config.ts";

/**
 * The provisioning a Docker user gets, checked as files (no Docker engine or Grafana runs here): the
 * dashboards' JSON is what grafana/ generates, refers only to the provisioned data source, and lays
 * out cleanly; docker-compose.yml wires the services, ports and volumes, and every variable it sets
 * for our services is one their zod schemas accept.
 */

const root = new URL("../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");
const compose = parse(read("docker-compose.yml")) as {
  services: Record<
    string,
    {
      image?: string;
      build?: string;
      command?: string[];
      ports?: string[];
      volumes?: string[];
      environment?: Record<string, string>;
      env_file?: { path: string; required?: boolean }[];
      depends_on?: string[];
      profiles?: string[];
    }
  >;
  volumes: Record<string, unknown>;
};
const datasources = parse(read("provisioning/datasources/questdb.yaml")) as {
  datasources: {
    uid: string;
    type: string;
    jsonData: Record<string, unknown>;
    secureJsonData: Record<string, string>;
  }[];
};
const providers = parse(read("provisioning/dashboards/metricsdash.yaml")) as {
  providers: { type: string; options: { path: string } }[];
};

describe("generated dashboards", () => {
  it("are committed exactly as grafana/ builds them (run `npm run dashboards` after a change)", () => {
    expect(staleDashboards()).toEqual([]);
  });

  it("the check notices a difference", () => {
    const [first] = DASHBOARDS;
    const built = renderDashboard(first!.build());
    const committed = readFileSync(`${DASHBOARD_DIR}/${first!.file}`, "utf8");
    expect(committed).toBe(built);
    expect(renderDashboard({ ...first!.build(), title: "changed" })).not.toBe(committed);
  });

  const all = DASHBOARDS.map(
    ({ file }) => JSON.parse(readFileSync(`${DASHBOARD_DIR}/${file}`, "utf8")) as Dashboard,
  );

  it("have unique uids and titles, and unique panel ids within each", () => {
    expect(new Set(all.map((d) => d.uid)).size).toBe(all.length);
    expect(new Set(all.map((d) => d.title)).size).toBe(all.length);
    for (const d of all) {
      const ids = (d.panels ?? []).map((p) => (p as Panel).id);
      expect(
        ids.every((id) => Number.isInteger(id) && id! > 0),
        d.title,
      ).toBe(true);
      expect(new Set(ids).size, d.title).toBe(ids.length);
    }
  });

  it.each(all.map((d) => [d.title, d] as const))(
    "%s: queries the provisioned QuestDB data source (and only Grafana Live besides)",
    (_t, d) => {
      const panels = (d.panels ?? []) as Panel[];
      expect(panels.length).toBeGreaterThan(0);
      for (const panel of panels) {
        const isLive = (t: unknown) =>
          (t as { datasource?: { uid?: string } }).datasource?.uid === GRAFANA_BUILTIN.uid;
        const live = (panel.targets ?? []).filter(isLive);
        expect(panel.datasource, panel.title).toEqual(live.length ? MIXED : QUESTDB);
        expect(panel.targets?.length, panel.title).toBeGreaterThan(live.length);
        for (const target of live) expect(target).toMatchObject({ queryType: "measurements" });
        for (const target of (panel.targets ?? []).filter((t) => !isLive(t))) {
          const t = target as unknown as Record<string, unknown>;
          expect(t.datasource).toEqual(QUESTDB);
          expect(t.queryType).toBe("sql");
          expect(typeof t.rawSql).toBe("string");
          expect([0, 1]).toContain(t.format);
        }
      }
      // A text box (Order journey's order number, Customer behaviour's Ingest URL) asks the person;
      // every other variable queries QuestDB.
      for (const variable of (d.templating?.list ?? []).filter((v) => v.type !== "textbox")) {
        expect(variable.datasource, variable.name).toEqual(QUESTDB);
      }
      expect(datasources.datasources.map((s) => [s.uid, s.type])).toContainEqual([QUESTDB.uid, QUESTDB.type]);
    },
  );

  it.each(all.map((d) => [d.title, d] as const))(
    "%s: panels fit the 24-column grid without overlapping",
    (_t, d) => {
      const cells = new Set<string>();
      for (const panel of (d.panels ?? []) as Panel[]) {
        const { x, y, w, h } = panel.gridPos!;
        expect(x + w, panel.title).toBeLessThanOrEqual(24);
        for (let i = x; i < x + w; i++)
          for (let j = y; j < y + h; j++) {
            expect(cells.has(`${i},${j}`), `${panel.title} overlaps at ${i},${j}`).toBe(false);
            cells.add(`${i},${j}`);
          }
      }
    },
  );

  type Variable = {
    name: string;
    multi?: boolean;
    includeAll?: boolean;
    allValue?: string;
    hide?: number;
    current?: { value: string | string[] };
    query?: { rawSql: string };
  };
  const variables = (uid: string) =>
    (all.find((d) => d.uid === uid)!.templating?.list ?? []) as unknown as Variable[];
  const byName = (uid: string, name: string) => variables(uid).find((v) => v.name === name);
  const sqlOf = (d: Dashboard) =>
    ((d.panels ?? []) as Panel[]).flatMap((p) =>
      (p.targets ?? [])
        .filter((t) => "rawSql" in t)
        .map((t) => ({ panel: p.title, sql: (t as unknown as { rawSql: string }).rawSql })),
    );
  const SELECTORS = [
    "metricsdash-live-sales",
    "metricsdash-tv-wall",
    "metricsdash-all-shops",
    "metricsdash-inventory",
  ];

  it.each(SELECTORS)("%s: chooses platforms (All by default) from the data, and shops on them", (uid) => {
    const platform = byName(uid, "platform")!;
    expect(platform).toMatchObject({ multi: true, includeAll: true, current: { value: ["$__all"] } });
    // All must be the plugin's `$__all`, never a custom value the panels would have to recognise.
    expect(platform.allValue).toBeUndefined();
    expect(platform.query!.rawSql).toMatch(/^SELECT DISTINCT platform FROM \w+/);
    const shop = byName(uid, "shop")!;
    expect(shop.query!.rawSql).toContain("$__conditionalAll(platform IN ($platform), $platform)");
    // Grafana resolves variables in order: the platform before the shops it narrows.
    const names = variables(uid).map((v) => v.name);
    expect(names.indexOf("platform")).toBeLessThan(names.indexOf("shop"));
  });

  it.each(["metricsdash-live-sales", "metricsdash-tv-wall"])(
    "%s: shows one shop, named by platform and shop in every query",
    (uid) => {
      expect(byName(uid, "shop")).toMatchObject({ multi: false, includeAll: false });
      for (const name of ["shop_platform", "tz", "minor", "currency"])
        expect(byName(uid, name)?.hide, name).toBe(2);
      const d = all.find((x) => x.uid === uid)!;
      for (const { panel, sql } of sqlOf(d)) expect(sql, panel).toContain(ONE_SHOP);
    },
  );

  it.each(["metricsdash-all-shops", "metricsdash-inventory"])(
    "%s: shows any choice of shops (All by default), filtered by platform and shop",
    (uid) => {
      expect(byName(uid, "shop")).toMatchObject({
        multi: true,
        includeAll: true,
        current: { value: ["$__all"] },
      });
      const d = all.find((x) => x.uid === uid)!;
      for (const { panel, sql } of sqlOf(d)) {
        if (!/FROM (sales_1m|stockout_forecast|inventory_levels)/.test(sql)) continue;
        expect(sql, panel).toContain(
          "$__conditionalAll(platform IN ($platform), $platform) AND $__conditionalAll(shop IN ($shop), $shop)",
        );
      }
    },
  );

  it("all shops: money only ever per currency, each shop's day from its own zone", () => {
    const d = all.find((x) => x.uid === "metricsdash-all-shops")!;
    for (const { panel, sql } of sqlOf(d)) {
      if (!sql.includes("revenue_minor")) continue;
      // Money grouped or partitioned by the currency of its rows, and counted from each shop's midnight.
      expect(sql, panel).toMatch(/GROUP BY [^\n]*m\.currency|PARTITION BY currency/);
      expect(sql, panel).toContain("to_timezone(least(now(), $__toTime), s.timezone)");
    }
    expect(d.panels!.some((p) => /currency/i.test((p as Panel).title ?? ""))).toBe(true);
  });

  it("link the one-shop and the all-shops views both ways, to dashboards that exist", () => {
    const uids = new Set(all.map((d) => d.uid));
    const linked = (uid: string) =>
      (all.find((d) => d.uid === uid)!.links ?? []).map((l) => /\/d\/([\w-]+)/.exec(l.url ?? "")?.[1]);
    expect(linked("metricsdash-live-sales")).toContain("metricsdash-all-shops");
    expect(linked("metricsdash-all-shops")).toContain("metricsdash-live-sales");
    for (const d of all)
      for (const uid of linked(d.uid!)) expect(uids.has(uid), `${d.title} → ${uid}`).toBe(true);
  });

  it("refresh on their own, the TV wall in large type", () => {
    for (const d of all) expect(d.refresh).toBe("30s");
    const tv = all.find((d) => d.uid === "metricsdash-tv-wall")!;
    for (const panel of (tv.panels ?? []) as Panel[]) {
      if (panel.type === "stat") {
        expect((panel.options as { text?: { valueSize?: number } }).text?.valueSize).toBeGreaterThanOrEqual(
          100,
        );
      }
    }
  });
});

describe("provisioning", () => {
  it("points the QuestDB plugin at the compose QuestDB's PG port as its read-only user", () => {
    const [ds] = datasources.datasources;
    expect(ds).toMatchObject({
      type: QUESTDB_PLUGIN,
      jsonData: { server: "$QUESTDB_HOST", port: 8812, tlsMode: "disable" },
    });
    expect(compose.services.grafana!.environment!.QUESTDB_HOST).toBe("questdb");
    expect(compose.services.questdb!.ports).toContain("127.0.0.1:8812:8812");
    // Credentials come from Grafana's environment, which compose fills from the QuestDB settings.
    expect(ds!.jsonData.username).toBe("$QUESTDB_READONLY_USER");
    expect(ds!.secureJsonData.password).toBe("$QUESTDB_READONLY_PASSWORD");
    const grafanaEnv = compose.services.grafana!.environment!;
    const questdbEnv = compose.services.questdb!.environment!;
    expect(grafanaEnv.QUESTDB_READONLY_USER).toBe(questdbEnv.QDB_PG_READONLY_USER);
    expect(grafanaEnv.QUESTDB_READONLY_PASSWORD).toBe(questdbEnv.QDB_PG_READONLY_PASSWORD);
    expect(questdbEnv.QDB_PG_READONLY_USER_ENABLED).toBe("true");
  });

  it("serves the generated dashboards from where compose mounts them", () => {
    const [provider] = providers.providers;
    expect(provider!.type).toBe("file");
    expect(compose.services.grafana!.volumes).toContain("./provisioning:/etc/grafana/provisioning:ro");
    expect(provider!.options.path).toBe("$GRAFANA_DASHBOARDS_DIR");
    expect(compose.services.grafana!.environment!.GRAFANA_DASHBOARDS_DIR).toBe(
      "/etc/grafana/provisioning/dashboards",
    );
    const home = compose.services.grafana!.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
    expect(DASHBOARDS.map((d) => `/etc/grafana/provisioning/dashboards/${d.file}`)).toContain(home);
  });
});

describe("docker-compose.yml", () => {
  const services = compose.services;

  it("runs NATS with JetStream, QuestDB, Grafana and our services, with data on volumes", () => {
    expect(Object.keys(services).sort()).toEqual([
      "alerting",
      "behaviour",
      "connect",
      "grafana",
      "ingest",
      "nats",
      "processors",
      "questdb",
    ]);
    // Connect needs an app or STORE_WEBHOOK_KEY to have anything to do: started on request only.
    expect(services.connect!.profiles).toEqual(["connect"]);
    expect(services.nats!.command).toContain("--jetstream");
    expect(services.nats!.volumes).toContain("nats-data:/data");
    expect(services.nats!.command!.join(" ")).toContain("--store_dir /data");
    expect(services.questdb!.volumes).toContain("questdb-data:/var/lib/questdb");
    expect(services.grafana!.volumes).toContain("grafana-data:/var/lib/grafana");
    expect(Object.keys(compose.volumes).sort()).toEqual(["grafana-data", "nats-data", "questdb-data"]);
    // Bindings and logins are checked in test/compose-security.test.ts.
    expect(services.nats!.ports).toBeUndefined();
    for (const name of ["ingest", "behaviour", "processors", "alerting", "connect"]) {
      expect(services[name]!.build).toBe(".");
      // The entry file comes last: node's own flags (ingest/node-flags.ts) go before it.
      const command = services[name]!.command!;
      expect(command[0]).toBe("node");
      expect(readFileSync(new URL(command.at(-1)!, root), "utf8").length).toBeGreaterThan(0);
    }
  });

  it("idles QuestDB's workers as start does, each setting overridable by its variable", () => {
    const env = services.questdb!.environment!;
    for (const [name, value] of Object.entries(QUESTDB_WORKER_IDLE))
      expect(env[name]).toBe(`\${${name}:-${value}}`);
  });

  it("pins images: QuestDB as tested, Grafana inside the plugin's declared range, the plugin version", () => {
    expect(services.questdb!.image).toBe("questdb/questdb:9.3.4");
    const grafana = /^grafana\/grafana:(\d+\.\d+\.\d+)$/.exec(services.grafana!.image ?? "")?.[1];
    expect(grafana, "Grafana is pinned to one release").toBeDefined();
    const compat = pluginCompat();
    expect(compat).toMatchObject({ plugin: QUESTDB_PLUGIN, version: QUESTDB_PLUGIN_VERSION });
    expect(
      satisfies(grafana!, compat.grafanaDependency),
      `Grafana ${grafana} against ${compat.plugin} ${compat.version}: "${compat.grafanaDependency}"`,
    ).toBe(true);
    expect(services.grafana!.environment!.GF_INSTALL_PLUGINS).toBe(
      `${QUESTDB_PLUGIN} ${QUESTDB_PLUGIN_VERSION}`,
    );
  });

  it("builds dashboards with an SDK whose schema is the pinned Grafana's", () => {
    const grafana = /(\d+)\.(\d+)\.\d+$/.exec(services.grafana!.image ?? "")!;
    const sdk = JSON.parse(read("package.json")).devDependencies["@grafana/grafana-foundation-sdk"] as string;
    // `<major.minor>.0-cogv…` builds track that release; the `0.0.x` line tracks the newest schema,
    // which is the one for a Grafana newer than every versioned build (the newest is 11.6).
    const versioned = /^(\d+)\.(\d+)\.0-cog/.exec(sdk);
    if (versioned) expect(`${versioned[1]}.${versioned[2]}`).toBe(`${grafana[1]}.${grafana[2]}`);
    else {
      expect(sdk, "pinned exactly").toMatch(/^0\.0\.\d+$/);
      expect(Number(grafana[1])).toBeGreaterThanOrEqual(12);
    }
  });

  it("reads a plugin's Grafana range as npm does for the forms plugin.json uses", () => {
    expect(satisfies("12.3.0", ">=12.3.0")).toBe(true);
    expect(satisfies("12.2.9", ">=12.3.0")).toBe(false);
    expect(satisfies("11.6.14", ">=12.3.0")).toBe(false);
    expect(satisfies("13.0.1", ">=12.3.0 <13.0.0")).toBe(false);
    expect(satisfies("10.4.3", ">=9.5.0 <10.0.0 || >=10.4.0")).toBe(true);
    expect(() => satisfies("12.4.2", "^12.3")).toThrow(RangeError);
  });

  it("has no anonymous Grafana and no default passwords", () => {
    const env = services.grafana!.environment!;
    expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe("false");
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?/);
    for (const service of Object.values(services)) {
      for (const [name, value] of Object.entries(service.environment ?? {})) {
        // Required (`:?`), or empty unless given (an empty platform secret leaves the platform off).
        if (/PASSWORD|SECRET|_KEY|TOKEN/.test(name)) expect(value, name).toMatch(/^\$\{\w+(:\?[^}]*|:-)\}$/);
      }
    }
  });

  /** Compose's interpolation: `${VAR:-default}`, `${VAR:?error}`, `${VAR}`, from the given environment. */
  function interpolate(value: string, env: Record<string, string>): string {
    return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
      const set = env[name];
      if (set !== undefined && set !== "") return set;
      if (op === "?") throw new Error(`${name}: ${arg}`);
      return op === "-" ? (arg ?? "") : "";
    });
  }
  /**
   * What a service's process sees: `env` stands for the user's .env, which `env_file` hands over whole,
   * overridden by the service's `environment:` entries, interpolated from the same.
   */
  const resolved = (service: string, env: Record<string, string>) => ({
    ...(services[service]!.env_file?.some((f) => f.path === ".env") ? env : {}),
    ...Object.fromEntries(
      Object.entries(services[service]!.environment!).map(([k, v]) => [k, interpolate(String(v), env)]),
    ),
  });

  it("hands .env whole to our services, so no source's variables are listed here", () => {
    for (const name of ["ingest", "behaviour", "processors", "alerting", "connect"]) {
      expect(services[name]!.env_file, name).toEqual([{ path: ".env", required: false }]);
      const listed = Object.keys(services[name]!.environment!);
      expect(
        listed.filter((key) => /^(SHOPIFY|WOOCOMMERCE|BIGCOMMERCE)_/.test(key)),
        name,
      ).toEqual([]);
    }
  });

  const common = {
    CUSTOMER_HASH_KEY: "a-customer-hash-key-0123456789abcdef",
    QUESTDB_HTTP_PASSWORD: "0123456789abcdef0123456789abcdef",
    NATS_INGEST_PASSWORD: "ingest-password-0123456789",
    NATS_BEHAVIOUR_PASSWORD: "behaviour-password-0123456789",
    NATS_PROCESSORS_PASSWORD: "processors-password-0123456789",
    NATS_ALERTING_PASSWORD: "alerting-password-0123456789",
    NATS_CONNECT_PASSWORD: "connect-password-0123456789",
  };
  /** What a user puts in .env for each platform (the one-store-by-hand set-up). */
  const users: Record<string, Record<string, string>> = {
    shopify: {
      ...common,
      SHOPIFY_API_SECRET: "a-shopify-app-secret-0123456789",
      SHOP_TIMEZONES: '{"acme.myshopify.com":"America/Chicago"}',
    },
    woocommerce: {
      ...common,
      WOOCOMMERCE_WEBHOOK_SECRET: "a-woocommerce-webhook-secret-0123",
      WOOCOMMERCE_STORE_URL: "https://woo.example",
      WOOCOMMERCE_CONSUMER_KEY: "ck_0123456789abcdef0123456789abcdef01234567",
      WOOCOMMERCE_CONSUMER_SECRET: "cs_0123456789abcdef0123456789abcdef01234567",
    },
    bigcommerce: {
      ...common,
      BIGCOMMERCE_STORE_HASH: "abc123def4",
      BIGCOMMERCE_WEBHOOK_SECRET: "a-bigcommerce-hook-secret-0123",
      BIGCOMMERCE_ACCESS_TOKEN: "an-api-token",
    },
  };

  it("sets only variables the services' config schemas read", () => {
    // Every service logs in to NATS through core/nats.ts, which reads natsAuthFields.
    const keys = (schemas: unknown[]) =>
      new Set([natsAuthFields, ...schemas].flatMap((s) => Object.keys((s as { shape: object }).shape)));
    // The platforms' loaders also read the variables that switch a platform on (`configuredBy`).
    const ingestKnown = new Set([
      ...keys([ingestEnv, ...platforms.map((p) => p.env)]),
      ...platforms.flatMap((p) => p.configuredBy),
    ]);
    const processorsKnown = new Set([
      ...keys([processorsEnv, salesEnv, liveEnv, ...platforms.flatMap((p) => (p.api ? [p.api.env] : []))]),
      ...platforms.flatMap((p) => p.api?.configuredBy ?? []),
    ]);
    for (const key of Object.keys(services.ingest!.environment!))
      expect(ingestKnown.has(key), `ingest sets ${key}, which no schema reads`).toBe(true);
    const behaviourKnown = keys([behaviourServerEnv, behaviourEnv]);
    for (const key of Object.keys(services.behaviour!.environment!))
      expect(behaviourKnown.has(key), `behaviour sets ${key}, which no schema reads`).toBe(true);
    for (const key of Object.keys(services.processors!.environment!))
      expect(processorsKnown.has(key), `processors sets ${key}, which no schema reads`).toBe(true);
    const alertingKnown = keys([alertingEnv]);
    // Rules name their PagerDuty key's variable (`routingKeyEnv`), read when a rule fires.
    const routingKey = /^PAGERDUTY_ROUTING_KEY(_[A-Z0-9_]+)?$/;
    for (const key of Object.keys(services.alerting!.environment!))
      expect(
        alertingKnown.has(key) || routingKey.test(key),
        `alerting sets ${key}, which no schema reads`,
      ).toBe(true);
    const connectKnown = keys([connectEnv, ...platforms.flatMap((p) => (p.connect ? [p.connect.env] : []))]);
    for (const key of Object.keys(services.connect!.environment!))
      expect(connectKnown.has(key), `connect sets ${key}, which no schema reads`).toBe(true);
  });

  it("runs connect for WooCommerce and BigCommerce stores with STORE_WEBHOOK_KEY, and the others accept what compose passes empty", () => {
    const user = {
      ...common,
      STORE_WEBHOOK_KEY: "a-store-webhook-key-0123456789abcdef",
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
      CONNECT_PUBLIC_URL: "https://connect.example",
      INGEST_PUBLIC_URL: "https://ingest.example",
      BEHAVIOUR_PUBLIC_URL: "https://sdk.example",
      ALERTING_ADMIN_PASSWORD: "an-admin-password",
    };
    const connect = loadConfig(connectEnv, resolved("connect", user));
    expect(connect.STORE_WEBHOOK_KEY).toBe(user.STORE_WEBHOOK_KEY);
    // Left empty by compose: off, not an error.
    const shopify = platforms.find((p) => p.platform === "shopify")!;
    expect(flowWanted(shopify, resolved("connect", user))).toBe(false);
    // A source's own connect variables are its module's (connect/flows.ts builds each flow from them).
    const bigCommerceConnect = platforms.find((p) => p.platform === "bigcommerce")!.connect!;
    const bigCommerceConfig = loadConfig(bigCommerceConnect.env, resolved("connect", user)) as Record<
      string,
      unknown
    >;
    expect(bigCommerceConfig.BIGCOMMERCE_CLIENT_ID).toBeUndefined();
    const ingest = resolved("ingest", user);
    const ingestConfig = loadConfig(ingestEnv, ingest);
    const adapters = loadAdapters(ingest, {
      customerHashKey: ingestConfig.CUSTOMER_HASH_KEY,
      storeWebhookKey: ingestConfig.STORE_WEBHOOK_KEY,
    });
    expect(adapters.map((a) => a.platform).sort()).toEqual(["bigcommerce", "woocommerce"]);
    expect(loadConfig(processorsEnv, resolved("processors", user)).TOKEN_ENCRYPTION_KEY).toBe(
      user.TOKEN_ENCRYPTION_KEY,
    );
    const alerting = loadConfig(alertingEnv, resolved("alerting", user));
    expect(alerting.SMTP_URL).toBeUndefined();
    // The browser SDK's process listens on its own port, at its default lower priority.
    const behaviour = loadConfig(behaviourServerEnv, resolved("behaviour", user));
    expect(behaviour).toMatchObject({ BEHAVIOUR_HOST: "0.0.0.0", BEHAVIOUR_PORT: 8082, BEHAVIOUR_NICE: 10 });
    expect(loadConfig(behaviourEnv, resolved("behaviour", user)).BEHAVIOUR_SITES).toEqual({});
    expect(loadConfig(connectEnv, resolved("connect", user)).BEHAVIOUR_PUBLIC_URL).toBe(
      "https://sdk.example",
    );
    // Nothing to connect is a named error, not a silent idle service.
    expect(() => loadConfig(connectEnv, resolved("connect", { ...user, STORE_WEBHOOK_KEY: "" }))).toThrow(
      /SHOPIFY_API_KEY: nothing to connect/,
    );
  });

  it.each(Object.keys(users))(
    "starts ingest and processors for a %s store with values their schemas accept",
    (platform) => {
      const log = createLogger("compose-test", "silent");
      const ingest = resolved("ingest", users[platform]!);
      const config = loadConfig(ingestEnv, ingest);
      expect(
        loadAdapters(ingest, { customerHashKey: config.CUSTOMER_HASH_KEY }).map((a) => a.platform),
      ).toEqual([platform]);
      const processors = resolved("processors", users[platform]!);
      const processorsConfig = loadConfig(processorsEnv, processors);
      loadConfig(salesEnv, processors);
      loadConfig(liveEnv, processors);
      const apis = loadApis(processors, { customerHashKey: processorsConfig.CUSTOMER_HASH_KEY, log });
      expect(apis.length).toBe(platform === "shopify" ? 0 : 1);
    },
  );

  it("refuses to start without the secrets it needs", () => {
    expect(() => resolved("ingest", {})).toThrow(/NATS_INGEST_PASSWORD|CUSTOMER_HASH_KEY/);
    const { CUSTOMER_HASH_KEY: _, ...withoutHashKey } = common;
    expect(() => resolved("ingest", withoutHashKey)).toThrow(/CUSTOMER_HASH_KEY/);
    expect(() =>
      loadAdapters(resolved("ingest", common), { customerHashKey: common.CUSTOMER_HASH_KEY }),
    ).toThrow(/no platform configured/);
    expect(() => resolved("grafana", {})).toThrow(/GRAFANA_ADMIN_PASSWORD|QUESTDB_READONLY_PASSWORD/);
  });

  it("builds our services with a Node that runs TypeScript, without dev dependencies, as a non-root user", () => {
    const dockerfile = read("Dockerfile");
    const node = Number(/^FROM node:(\d+)/m.exec(dockerfile)?.[1]);
    expect(node).toBeGreaterThanOrEqual(24);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    const ignored = read(".dockerignore").split("\n");
    for (const path of ["node_modules", ".env", ".data"]) expect(ignored).toContain(path);
  });
});

describe("the TV wall's live tiles", () => {
  const wall = DASHBOARDS.find((d) => d.file === "tv-wall.json")!.build();
  const stats = ((wall.panels ?? []) as Panel[]).filter((p) => p.type === "stat");

  it("each stat subscribes to the channel the processors push the chosen shop's tile to, and merges it after the SQL row", () => {
    expect(stats).toHaveLength(TILE_METRICS.length);
    // Interpolated as Grafana does for one chosen shop; the push names the same channel.
    const vars = { shop_platform: "shopify", shop: "acme.myshopify.com" };
    for (const [i, panel] of stats.entries()) {
      const [sql, live] = panel.targets as unknown as [
        { rawSql: string },
        { channel: string; filter: unknown },
      ];
      expect(sql.rawSql).toContain('AS "Today"');
      const channel = live.channel.replace(/\$\{(\w+)\}/g, (_m, name: keyof typeof vars) => vars[name]);
      expect(channel).toBe(
        `stream/metricsdash/${tileMeasurement("shopify", "acme.myshopify.com", TILE_METRICS[i]!)}`,
      );
      expect(live.filter).toEqual({ fields: ["Today", "vs yesterday", "vs last week"] });
      expect(panel.transformations).toEqual([{ id: "merge", options: {} }]);
      // The live frame's time column is not a value on the wall.
      const fields = (panel.options as { reduceOptions: { fields: string } }).reduceOptions.fields;
      const pattern = new RegExp(fields.slice(1, -1));
      expect(Object.values(TILE_FIELDS).every((f) => pattern.test(f))).toBe(true);
      expect(pattern.test("time")).toBe(false);
    }
  });
});
