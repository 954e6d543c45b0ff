import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DASHBOARDS, renderDashboard } from "./dashboards.ts";

/**
 * Regenerates provisioning/dashboards/*.json from the code in grafana/ (`npm run dashboards`).
 * With `--check`, writes nothing and exits 1 when a committed file differs from what the code builds.
 */
export const DASHBOARD_DIR = fileURLToPath(new URL("../provisioning/dashboards/", import.meta.url));

export function staleDashboards(): string[] {
  return DASHBOARDS.filter(({ file, build }) => {
    let committed = "";
    try {
      committed = readFileSync(join(DASHBOARD_DIR, file), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    return committed !== renderDashboard(build());
  }).map((d) => d.file);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--check")) {
    const stale = staleDashboards();
    if (stale.length) {
      console.error(`out of date: ${stale.join(", ")} — run npm run dashboards`);
      process.exit(1);
    }
    console.log("dashboards up to date");
  } else {
    for (const { file, build } of DASHBOARDS) {
      writeFileSync(join(DASHBOARD_DIR, file), renderDashboard(build()));
      console.log(`wrote provisioning/dashboards/${file}`);
    }
  }
}
