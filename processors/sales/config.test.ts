import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../core/config.ts";
import { salesEnv } from "./config.ts";

describe("salesEnv", () => {
  it("reads shop zones as JSON, with UTC for shops nobody configured", () => {
    expect(loadConfig(salesEnv, { SHOP_TIMEZONES: '{"a.myshopify.com":"Europe/Berlin"}' })).toEqual({
      SHOP_TIMEZONES: { "a.myshopify.com": "Europe/Berlin" },
      DEFAULT_SHOP_TIMEZONE: "UTC",
      SALES_MEMORY_HOURS: 48,
    });
    expect(loadConfig(salesEnv, { SHOP_TIMEZONES: "", DEFAULT_SHOP_TIMEZONE: "" })).toEqual({
      SHOP_TIMEZONES: {},
      DEFAULT_SHOP_TIMEZONE: "UTC",
      SALES_MEMORY_HOURS: 48,
    });
  });

  it("names the variable when a zone or the JSON is wrong", () => {
    expect(() => loadConfig(salesEnv, { SHOP_TIMEZONES: '{"a":"Mars/Olympus"}' })).toThrow(
      /SHOP_TIMEZONES\.a: must be an IANA/,
    );
    expect(() => loadConfig(salesEnv, { SHOP_TIMEZONES: "{a:" })).toThrow(/SHOP_TIMEZONES is not JSON/);
    expect(() => loadConfig(salesEnv, { DEFAULT_SHOP_TIMEZONE: "EST5EDT; DROP" })).toThrow(ConfigError);
  });
});
