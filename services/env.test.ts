import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const envScript = resolve(import.meta.dirname, "env.sh");

/**
 * Runs what `./metricsdash start` runs before it starts anything (services/env.sh), in a clean
 * environment plus `env`, then hands over to a child process the way `exec node services/start.ts`
 * does: what that child prints is what the services would see.
 */
function prepare(dotEnv: string | null, env: Record<string, string>, show: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "metricsdash-env-"));
  const file = join(dir, ".env");
  if (dotEnv !== null) writeFileSync(file, dotEnv);
  const script = [
    "set -euo pipefail",
    `md_say() { printf '%s\\n' "$*" >&2; }`,
    `source ${JSON.stringify(envScript)}`,
    `md_prepare_env ${JSON.stringify(file)}`,
    `exec node -e 'for (const n of process.argv.slice(1)) console.log(n + "=" + (process.env[n] ?? "<unset>"))' ${show.join(" ")}`,
  ].join("\n");
  const run = spawnSync("bash", ["-c", script], {
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
    encoding: "utf8",
  });
  expect(run.status, run.stderr).toBe(0);
  const seen = Object.fromEntries(
    run.stdout
      .trim()
      .split("\n")
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  return { seen, said: run.stderr, dotEnv: readFileSync(file, "utf8") };
}

describe("start's environment (services/env.sh)", () => {
  it("lets a variable set in the environment win over .env, and says so", () => {
    const { seen, said, dotEnv } = prepare(
      "SHOPIFY_API_SECRET=from-dot-env\nLOG_LEVEL=debug\n",
      { SHOPIFY_API_SECRET: "x" },
      ["SHOPIFY_API_SECRET", "LOG_LEVEL"],
    );
    expect(seen.SHOPIFY_API_SECRET).toBe("x");
    // What only .env sets still arrives.
    expect(seen.LOG_LEVEL).toBe("debug");
    expect(said).toContain("SHOPIFY_API_SECRET from the environment wins");
    // .env is not rewritten: its own value stays for a start without the variable.
    expect(dotEnv).toContain("SHOPIFY_API_SECRET=from-dot-env\n");
  });

  it("generates only the secrets neither the environment nor .env has", () => {
    const { seen, said, dotEnv } = prepare(
      "CUSTOMER_HASH_KEY=kept-from-file\n",
      { TOKEN_ENCRYPTION_KEY: "from-env" },
      [
        "SHOPIFY_API_SECRET",
        "CUSTOMER_HASH_KEY",
        "TOKEN_ENCRYPTION_KEY",
        "STORE_WEBHOOK_KEY",
        "HEATMAP_OPEN_PASSWORD",
      ],
    );
    expect(seen.CUSTOMER_HASH_KEY).toBe("kept-from-file");
    // The heatmap links' password: 24 hex digits, above ingest's 12-character minimum.
    expect(seen.HEATMAP_OPEN_PASSWORD).toMatch(/^[0-9a-f]{24}$/);
    expect(seen.TOKEN_ENCRYPTION_KEY).toBe("from-env");
    expect(dotEnv).not.toContain("TOKEN_ENCRYPTION_KEY");
    // openssl rand -hex 24 / -hex 32: 48 and 64 hex digits, written to .env and exported.
    expect(seen.SHOPIFY_API_SECRET).toMatch(/^[0-9a-f]{48}$/);
    expect(seen.STORE_WEBHOOK_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(dotEnv).toContain(`SHOPIFY_API_SECRET=${seen.SHOPIFY_API_SECRET}\n`);
    expect(dotEnv).toContain(`STORE_WEBHOOK_KEY=${seen.STORE_WEBHOOK_KEY}\n`);
    expect(said).toContain("has SHOPIFY_API_SECRET: added a fresh one");
    expect(said).not.toContain("has TOKEN_ENCRYPTION_KEY");
    expect(said).not.toContain("has CUSTOMER_HASH_KEY");
  });

  it("creates a missing .env with every secret", () => {
    const { seen } = prepare(null, {}, ["SHOPIFY_API_SECRET", "TOKEN_ENCRYPTION_KEY"]);
    expect(seen.SHOPIFY_API_SECRET).toMatch(/^[0-9a-f]{48}$/);
    expect(Buffer.from(seen.TOKEN_ENCRYPTION_KEY!, "base64")).toHaveLength(32);
  });
});
