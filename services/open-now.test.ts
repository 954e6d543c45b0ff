import { chmodSync, mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PlatformModule } from "../platforms/adapter.ts";
import { connectSources, connectSwitches } from "../platforms/connect-switch.ts";
import { platforms } from "../platforms/index.ts";
import { findGrafana, openNow } from "./open-now.ts";

const urls = {
  ingestUrl: "http://127.0.0.1:8080",
  behaviourUrl: "http://127.0.0.1:8082",
  connectUrl: "http://127.0.0.1:8081",
  alertingUrl: "http://127.0.0.1:8090",
  questdbUrl: "http://127.0.0.1:9000",
};

describe("the list start ends with", () => {
  it("names the connect page, alert settings, the QuestDB console and a curl example", () => {
    const text = openNow({ ...urls, grafana: { kind: "absent" } }).join("\n");
    expect(text).toContain("connect      http://127.0.0.1:8081");
    expect(text).toContain("alerts       http://127.0.0.1:8090");
    expect(text).toContain(
      'SDK tag      <script src="http://127.0.0.1:8082/sdk.js" data-site="<site id>" async>',
    );
    expect(text).toContain("QuestDB      http://127.0.0.1:9000");
    expect(text).toContain("curl -sG http://127.0.0.1:9000/exec");
    expect(text).toContain("https://grafana.com/grafana/download");
  });

  it("says when connect is off, and names the dashboards and the TV wall when Grafana runs", () => {
    const text = openNow({
      ...urls,
      connectUrl: undefined,
      grafana: { kind: "running", url: "http://127.0.0.1:3000" },
    }).join("\n");
    expect(text).toContain(`connect      off: ${connectSwitches().hint}`);
    expect(text).toContain("dashboards   http://127.0.0.1:3000/d/metricsdash-live-sales");
    expect(text).toContain("TV wall      http://127.0.0.1:3000/d/metricsdash-tv-wall?kiosk&theme=dark");
    expect(text).not.toContain("grafana.com/grafana/download");
  });

  it("names the sources that connect, and what switches connect on, from the registry alone", () => {
    // The registry's sources that connect: each named on the line, none of the others.
    const on = openNow({ ...urls, grafana: { kind: "absent" } }).join("\n");
    const line = on.split("\n").find((l) => l.includes("connect      "))!;
    for (const p of platforms)
      expect(line.includes(p.platform), p.platform).toBe(connectSources().includes(p.platform));
    // A registry with one source of its own switch: the line follows it and names nothing else.
    const throwaway = {
      ...platforms[0]!,
      platform: "throwaway",
      connectable: false,
      connectedBy: ["THROWAWAY_APP_KEY"],
    } satisfies PlatformModule;
    const modules = [throwaway];
    expect(openNow({ ...urls, grafana: { kind: "absent" }, modules }).join("\n")).toContain(
      "connect      http://127.0.0.1:8081  (connect a throwaway store)",
    );
    const off = openNow({ ...urls, connectUrl: undefined, grafana: { kind: "absent" }, modules }).join("\n");
    expect(off).toContain("connect      off: nothing to connect: set THROWAWAY_APP_KEY (throwaway)");
    expect(off).not.toMatch(/STORE_WEBHOOK_KEY|SHOPIFY/);
  });

  it("says why an installed Grafana did not start, and never prints QuestDB's password", () => {
    const text = openNow({
      ...urls,
      questdbUrl: "http://admin:s3cret-pass@127.0.0.1:9000",
      grafana: { kind: "not-started", why: "something already answers on :3000 (a compose Grafana?)" },
    }).join("\n");
    expect(text).toContain("Grafana not started: something already answers on :3000");
    expect(text).toContain("QuestDB      http://127.0.0.1:9000 ");
    expect(text).not.toContain("s3cret");
  });

  it("finds a grafana executable in GRAFANA_HOME/bin before PATH, and none when neither has one", () => {
    const home = mkdtempSync(join(tmpdir(), "grafana-home-"));
    mkdirSync(join(home, "bin"));
    writeFileSync(join(home, "bin", "grafana"), "#!/bin/sh\nexit 0\n");
    chmodSync(join(home, "bin", "grafana"), 0o755);
    const empty = mkdtempSync(join(tmpdir(), "no-grafana-"));
    expect(findGrafana({ GRAFANA_HOME: home, PATH: empty })).toBe(join(home, "bin", "grafana"));
    expect(findGrafana({ PATH: join(home, "bin") })).toBe(join(home, "bin", "grafana"));
    expect(findGrafana({ PATH: empty })).toBeUndefined();
  });
});
