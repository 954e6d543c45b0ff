import { describe, expect, it } from "vitest";
import { loadConfig } from "../core/config.ts";
import { alertingEnv } from "./config.ts";

const base = { CUSTOMER_HASH_KEY: "k".repeat(32) };

describe("alerting config", () => {
  it("requires ALERTING_ADMIN_PASSWORD when the API listens beyond loopback", () => {
    expect(() => loadConfig(alertingEnv, { ...base, ALERTING_HOST: "0.0.0.0" })).toThrow(
      /ALERTING_ADMIN_PASSWORD/,
    );
    expect(
      loadConfig(alertingEnv, {
        ...base,
        ALERTING_HOST: "0.0.0.0",
        ALERTING_ADMIN_PASSWORD: "a-long-password",
      }).ALERTING_HOST,
    ).toBe("0.0.0.0");
    expect(loadConfig(alertingEnv, { ...base }).ALERTING_HOST).toBe("127.0.0.1");
  });
});
