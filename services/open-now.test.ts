import { chmodSync, mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findGrafana, openNow } from "./open-now.ts";

const urls = {
  ingestUrl: "http://127.0.0.1:8080",
  connectUrl: "http://127.0.0.1:8081",
  alertingUrl: "http://127.0.0.1:8090",
  questdbUrl: "http://127.0.0.1:9000",
};

describe("the list start ends with", () => {
  it("names the connect page, alert settings, the QuestDB console and a curl example", () => {
    const text = openNow({ ...urls, grafana: undefined }).join("\n");
    expect(text).toContain("connect      http://127.0.0.1:8081");
    expect(text).toContain("alerts       http://127.0.0.1:8090");
    expect(text).toContain("QuestDB      http://127.0.0.1:9000");
    expect(text).toContain("curl -sG http://127.0.0.1:9000/exec");
    expect(text).toContain("https://grafana.com/grafana/download");
  });

  it("says when connect is off, and where Grafana was found", () => {
    const text = openNow({ ...urls, connectUrl: undefined, grafana: "/opt/grafana/bin/grafana" }).join("\n");
    expect(text).toContain("connect      off: set STORE_WEBHOOK_KEY");
    expect(text).toContain("Grafana is installed (/opt/grafana/bin/grafana)");
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
