import { z } from "zod";

/**
 * What the sources' demo outlets (platforms/<name>/demo/) share: a per-run secret's check, a time
 * zone's, and "the user set this platform up, so the demo leaves it alone". A leaf module: the
 * outlets import it while the registry is still loading.
 */

/** A secret the demo signs with; missing means the start command did not wire the shop. */
export const demoSecret = (name: string, platform: string) =>
  z
    .string({
      error: (issue) =>
        issue.input === undefined ? `${name} is required for the demo's ${platform} shop` : undefined,
    })
    .min(16, `${name} must be at least 16 characters`);

export const timeZone = (name: string) =>
  z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, `${name} must be an IANA time zone`);

/**
 * Why the demo runs no shop on a platform the user configured (any non-empty variable with the
 * platform's prefix), or undefined when the platform is free for the demo's shop.
 */
export function usersOwn(
  env: Readonly<Record<string, string | undefined>>,
  prefix: string,
  label: string,
  /** What the demo would have run there ("account" for a shipper). */
  what = "shop",
): string | undefined {
  const names = Object.keys(env)
    .filter((name) => name.startsWith(prefix) && env[name])
    .sort();
  if (!names.length) return undefined;
  return `${names.join(", ")} set: your own ${label} settings win, so the demo runs no ${label} ${what}`;
}
