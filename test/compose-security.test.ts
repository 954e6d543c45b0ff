import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { INGEST_NODE_FLAGS } from "../ingest/node-flags.ts";

/**
 * What docker-compose.yml exposes, read as a file (compose cannot run here): only what users need is
 * published, on 127.0.0.1 unless PUBLIC_BIND widens it; NATS not at all, and with a login per
 * service; QuestDB's HTTP behind its own login; Grafana reading QuestDB as the read-only user.
 * What the NATS permissions allow is proven against a real nats-server in core/nats-auth.test.ts.
 */

const root = new URL("../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");
type Service = {
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  command?: string[];
};
const services = (parse(read("docker-compose.yml")) as { services: Record<string, Service> }).services;

/** The host address a `host:container` or `ip:host:container` mapping binds to, as compose resolves it by default. */
function boundTo(mapping: string): string {
  const resolved = mapping.replace(/\$\{(\w+):-([^}]*)\}/g, (_m, _name, fallback: string) => fallback);
  const parts = resolved.split(":");
  return parts.length === 3 ? parts[0]! : "0.0.0.0";
}

describe("docker-compose.yml ports", () => {
  it("publishes only ingest, behaviour, Grafana, connect, the alerting API and QuestDB — NATS not at all", () => {
    const published = Object.entries(services)
      .filter(([, s]) => s.ports?.length)
      .map(([name]) => name)
      .sort();
    expect(published).toEqual(["alerting", "behaviour", "connect", "grafana", "ingest", "questdb"]);
    expect(services.nats!.ports).toBeUndefined();
  });

  it("binds every published port to 127.0.0.1 unless told otherwise", () => {
    for (const [name, service] of Object.entries(services))
      for (const mapping of service.ports ?? [])
        expect(boundTo(mapping), `${name} ${mapping}`).toBe("127.0.0.1");
  });

  it("lets PUBLIC_BIND widen only what faces users; QuestDB and the alerting API stay on loopback", () => {
    const widenable = Object.entries(services)
      .filter(([, s]) => s.ports?.some((p) => p.startsWith("${PUBLIC_BIND:-127.0.0.1}:")))
      .map(([name]) => name)
      .sort();
    expect(widenable).toEqual(["behaviour", "connect", "grafana", "ingest"]);
    for (const name of ["questdb", "alerting"])
      for (const mapping of services[name]!.ports!) expect(mapping).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });
});

describe("docker-compose.yml logins", () => {
  it("runs NATS with the permission file and every service as its own NATS user with a required password", () => {
    expect(services.nats!.command!.slice(0, 2)).toEqual(["-c", "/etc/nats/nats-server.conf"]);
    expect(services.nats!.volumes).toContain("./nats/nats-server.conf:/etc/nats/nats-server.conf:ro");
    for (const name of ["ingest", "behaviour", "processors", "alerting", "connect"]) {
      const env = services[name]!.environment!;
      const variable = `NATS_${name.toUpperCase()}_PASSWORD`;
      expect(env.NATS_USER).toBe(name);
      expect(env.NATS_PASSWORD).toBe(`\${${variable}:?set ${variable}}`);
      // The server gets the same variable, which the config file names as $VARIABLE.
      expect(services.nats!.environment![variable]).toBe(env.NATS_PASSWORD);
      expect(read("nats/nats-server.conf")).toMatch(
        new RegExp(`user: ${name}\\n\\s+password: \\$${variable}\\n`),
      );
    }
  });

  it("puts QuestDB's HTTP behind a required login, which every service that reaches it uses", () => {
    const env = services.questdb!.environment!;
    expect(env.QDB_HTTP_USER).toBe("${QUESTDB_HTTP_USER:-admin}");
    expect(env.QDB_HTTP_PASSWORD).toMatch(/^\$\{QUESTDB_HTTP_PASSWORD:\?/);
    for (const name of ["behaviour", "processors", "alerting", "connect"])
      expect(services[name]!.environment!.QUESTDB_HTTP_URL).toMatch(
        /^http:\/\/\$\{QUESTDB_HTTP_USER:-admin\}:\$\{QUESTDB_HTTP_PASSWORD:\?[^}]*\}@questdb:9000$/,
      );
  });

  it("gives Grafana QuestDB's read-only login, never the writing one", () => {
    const questdb = services.questdb!.environment!;
    const grafana = services.grafana!.environment!;
    expect(questdb.QDB_PG_READONLY_USER_ENABLED).toBe("true");
    expect(grafana.QUESTDB_READONLY_USER).toBe(questdb.QDB_PG_READONLY_USER);
    expect(grafana.QUESTDB_READONLY_PASSWORD).toBe(questdb.QDB_PG_READONLY_PASSWORD);
    const datasource = read("provisioning/datasources/questdb.yaml");
    expect(datasource).toContain("username: $QUESTDB_READONLY_USER");
    expect(datasource).not.toMatch(/QUESTDB_PG_USER|QUESTDB_HTTP/);
  });
});

describe("docker-compose.yml commands", () => {
  it("runs ingest with the V8 flags the start command gives it", () => {
    expect(services.ingest!.command).toEqual(["node", ...INGEST_NODE_FLAGS, "ingest/main.ts"]);
  });
});
