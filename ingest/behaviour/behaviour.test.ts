import { describe, expect, it } from "vitest";
import { loadConfig, ConfigError } from "../../core/config.ts";
import { clockCorrection } from "../../core/interaction.ts";
import { behaviourEnv } from "./config.ts";
import { RateLimiter } from "../../core/rate-limit.ts";
import { heatmapToken, verifyHeatmapToken } from "./token.ts";
import { isBot, VisitorHash } from "./visitor.ts";

const KEY = "heatmap-key-0123456789abcdef";

describe("heatmap tokens", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");

  it("grant the signed site until they expire", () => {
    const token = heatmapToken(KEY, "shop-a", 600, now);
    expect(verifyHeatmapToken(KEY, token, now)).toEqual({ site: "shop-a", exp: now / 1000 + 600 });
    expect(verifyHeatmapToken(KEY, token, now + 599_000)?.site).toBe("shop-a");
    expect(verifyHeatmapToken(KEY, token, now + 600_000)).toBeUndefined();
  });

  it("refuse another key, an edited payload and junk", () => {
    const token = heatmapToken(KEY, "shop-a", 600, now);
    expect(verifyHeatmapToken("another-key-0123456789abcdef", token, now)).toBeUndefined();
    const [, signature] = token.split(".");
    const edited = Buffer.from(JSON.stringify({ site: "shop-b", exp: now / 1000 + 600 })).toString(
      "base64url",
    );
    expect(verifyHeatmapToken(KEY, `${edited}.${signature}`, now)).toBeUndefined();
    for (const junk of ["", ".", "a.b.c", "x".repeat(600)])
      expect(verifyHeatmapToken(KEY, junk, now)).toBeUndefined();
  });
});

describe("RateLimiter", () => {
  it("lets a full bucket through, then refills at its rate", () => {
    const limiter = new RateLimiter(3, 1 / 1000); // 3 at once, one more per second
    const t = 1_000_000;
    expect([1, 2, 3, 4].map(() => limiter.take("a", t))).toEqual([true, true, true, false]);
    expect(limiter.take("b", t)).toBe(true); // buckets are per key
    expect(limiter.take("a", t + 999)).toBe(false);
    expect(limiter.take("a", t + 1000)).toBe(true);
  });

  it("stays bounded in keys", () => {
    const limiter = new RateLimiter(1, 0, 4);
    for (let i = 0; i < 100; i++) limiter.take(`k${i}`, 0);
    expect((limiter as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(4);
  });
});

describe("clockCorrection", () => {
  it("trusts a clock within five minutes and shifts a wrong one by whole minutes", () => {
    expect(clockCorrection(1_000_000, 1_000_000 + 4 * 60_000)).toBe(0);
    expect(clockCorrection(1_000_000, 1_000_000 - 4 * 60_000)).toBe(0);
    // An hour slow, seen with 0.8 s or 1.4 s of network delay: the same shift either way.
    expect(clockCorrection(0, 3_600_000 + 800)).toBe(3_600_000);
    expect(clockCorrection(0, 3_600_000 + 1400)).toBe(3_600_000);
  });
});

describe("visitors and bots", () => {
  it("hash the same visitor alike within a day, differently the next day", () => {
    const hash = new VisitorHash();
    const day1 = new Date("2026-12-01T10:00:00Z");
    const a = hash.of("s", "203.0.113.1", "ua", day1);
    expect(hash.of("s", "203.0.113.1", "ua", new Date("2026-12-01T23:59:00Z"))).toBe(a);
    expect(hash.of("s", "203.0.113.2", "ua", day1)).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    // The salt is secret and random per process: the same address elsewhere (or after a restart)
    // hashes differently, so a hash can't be recomputed from an address list.
    expect(new VisitorHash().of("s", "203.0.113.1", "ua", day1)).not.toBe(a);
    expect(hash.of("s", "203.0.113.1", "ua", new Date("2026-12-02T00:00:01Z"))).not.toBe(a);
  });

  it("flags crawlers and headless browsers, not people's browsers", () => {
    expect(isBot("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")).toBe(true);
    expect(
      isBot("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/131.0 Safari/537.36"),
    ).toBe(true);
    expect(isBot("")).toBe(true);
    expect(
      isBot(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
      ),
    ).toBe(false);
  });
});

describe("behaviourEnv", () => {
  const sites = (value: unknown) => ({ BEHAVIOUR_SITES: JSON.stringify(value) });

  it("reads the sites", () => {
    const config = loadConfig(
      behaviourEnv,
      sites({ s1: { shop: "a.example", platform: "woocommerce", origins: ["https://a.example"] } }),
    );
    expect(config.BEHAVIOUR_SITES.s1?.origins).toEqual(["https://a.example"]);
    expect(loadConfig(behaviourEnv, {}).BEHAVIOUR_SITES).toEqual({});
  });

  it("names the variable and the field when a site is wrong", () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(behaviourEnv, env);
        return [];
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return err.problems;
      }
    };
    expect(problems({ BEHAVIOUR_SITES: "{" })[0]).toMatch(/^BEHAVIOUR_SITES: .*JSON/);
    expect(
      problems(sites({ s1: { shop: "a", platform: "shopify", origins: ["https://a.example/"] } }))[0],
    ).toMatch(/^BEHAVIOUR_SITES\.s1\.origins\.0: must be an origin/);
    expect(
      problems(sites({ "bad site": { shop: "a", platform: "shopify", origins: ["https://a.example"] } }))[0],
    ).toMatch(/^BEHAVIOUR_SITES/);
  });

  it("keeps the largest beacon apart from the BEHAVIOUR stream's disk, and bounded", () => {
    // The stream's variable (core/config.ts) once also set the largest body /collect took.
    const oneGiB = String(1024 ** 3);
    expect(loadConfig(behaviourEnv, { BEHAVIOUR_MAX_BYTES: oneGiB }).BEHAVIOUR_BEACON_MAX_BYTES).toBe(
      32 * 1024,
    );
    expect(loadConfig(behaviourEnv, { BEHAVIOUR_BEACON_MAX_BYTES: "65536" }).BEHAVIOUR_BEACON_MAX_BYTES).toBe(
      65536,
    );
    expect(() => loadConfig(behaviourEnv, { BEHAVIOUR_BEACON_MAX_BYTES: oneGiB })).toThrow(
      /BEHAVIOUR_BEACON_MAX_BYTES/,
    );
  });
});
