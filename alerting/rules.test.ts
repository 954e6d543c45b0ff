import { describe, expect, it } from "vitest";
import { parseRule, skuMatches } from "./rules.ts";

const email = [{ type: "email", to: ["ops@example.com"] }];

describe("rule validation", () => {
  it("accepts a minimal rule and fills the defaults", () => {
    const parsed = parseRule({ id: "low", name: "Low", kind: "low_stock", threshold: 10, channels: email });
    expect(parsed).toMatchObject({
      ok: true,
      rule: {
        enabled: true,
        severity: "warning",
        cooldownMinutes: 30,
        hysteresis: 2,
        scope: { shops: [], skus: [] },
      },
    });
  });

  it("names every problem by its field, in words", () => {
    const parsed = parseRule({
      id: "Bad Id",
      name: "",
      kind: "low_stock",
      channels: [
        { type: "email", to: ["not-an-address"] },
        { type: "pagerduty", routingKeyEnv: "MY_SECRET" },
      ],
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const byPath = Object.fromEntries(parsed.problems.map((p) => [p.path, p.message]));
    expect(byPath).toMatchObject({
      id: expect.stringContaining("lower-case letters"),
      name: "give the rule a name",
      threshold: "is required",
      "channels.0.to.0": "must be an email address",
      "channels.1.routingKeyEnv": expect.stringContaining("PAGERDUTY_ROUTING_KEY"),
    });
    expect(parsed.text).toContain("threshold: is required");
  });

  it("says which kinds exist when the kind is unknown, and checks time zones", () => {
    const unknown = parseRule({ id: "x", name: "x", kind: "low_stok", channels: email });
    expect(unknown).toMatchObject({
      ok: false,
      problems: [{ path: "kind", message: expect.stringContaining("low_stock, reorder_point") }],
    });
    const tz = parseRule({
      id: "x",
      name: "x",
      kind: "revenue_drop",
      dropPercent: 30,
      timeZone: "Mars/Olympus",
      channels: email,
    });
    expect(tz).toMatchObject({
      ok: false,
      problems: [{ path: "timeZone", message: expect.stringContaining("IANA") }],
    });
  });
});

describe("SKU patterns", () => {
  it("matches * as any run and everything else literally", () => {
    expect(skuMatches([], "ANY")).toBe(true);
    expect(skuMatches(["TEE-*"], "TEE-RED-M")).toBe(true);
    expect(skuMatches(["TEE-*"], "MUG-1")).toBe(false);
    expect(skuMatches(["A.B"], "AxB")).toBe(false);
    expect(skuMatches(["*-M", "MUG"], "MUG")).toBe(true);
  });
});

describe("the example rules file", () => {
  it("is valid, rule by rule", async () => {
    const { readFile } = await import("node:fs/promises");
    const rules = JSON.parse(
      await readFile(new URL("./rules.example.json", import.meta.url), "utf8"),
    ) as unknown[];
    expect(rules.map((r) => parseRule(r).ok)).toEqual([true, true, true, true]);
  });
});
