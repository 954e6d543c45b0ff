import { readFileSync } from "node:fs";
import { z } from "zod";

/**
 * What the QuestDB plugin we install says it needs from Grafana, kept as data with where it was
 * read (grafana/plugin-compat.json), so the compose pin can be held against it by a test.
 */
export const PluginCompat = z.object({
  plugin: z.string().min(1),
  version: z.string().regex(/^\d+\.\d+\.\d+$/),
  grafanaDependency: z.string().min(1),
  source: z.object({
    repository: z.url(),
    tag: z.string().min(1),
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    file: z.string().min(1),
    field: z.string().min(1),
  }),
  why: z.string().min(1),
});
export type PluginCompat = z.infer<typeof PluginCompat>;

export function pluginCompat(): PluginCompat {
  return PluginCompat.parse(
    JSON.parse(readFileSync(new URL("./plugin-compat.json", import.meta.url), "utf8")),
  );
}

type Version = [number, number, number];

const version = (text: string): Version => {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!m) throw new RangeError(`not a plain x.y.z version: "${text}"`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
};

const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

const TESTS = {
  ">=": (c: number) => c >= 0,
  ">": (c: number) => c > 0,
  "<=": (c: number) => c <= 0,
  "<": (c: number) => c < 0,
  "=": (c: number) => c === 0,
} as const;

/**
 * Whether a Grafana release satisfies a plugin's `grafanaDependency`. Plugins write these as npm
 * ranges; this reads the part of that grammar plugin.json files use: comparators (`>=12.3.0`,
 * `<13.0.0`) joined by spaces (all must hold) and `||` (any set may hold). Anything else throws,
 * so a range we can't read fails the test instead of passing it.
 */
export function satisfies(release: string, range: string): boolean {
  const v = version(release);
  return range.split("||").some((set) =>
    set
      .trim()
      .split(/\s+/)
      .every((comparator) => {
        const m = /^(>=|<=|>|<|=)?v?(\d+\.\d+\.\d+)$/.exec(comparator);
        if (!m) throw new RangeError(`cannot read "${comparator}" in the range "${range}"`);
        const op = (m[1] ?? "=") as keyof typeof TESTS;
        return TESTS[op](compare(v, version(m[2]!)));
      }),
  );
}
