import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const RESULTS = fileURLToPath(new URL("results", import.meta.url));

/** Writes a run's results to `bench/results/<label>-<UTC time>.json`; returns the file's path. */
export function writeResults(label: string, results: unknown, at = new Date()): string {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${label}-${at.toISOString().replace(/[:.]/g, "-").slice(0, 19)}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + "\n");
  return file;
}
