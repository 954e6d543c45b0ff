import { describe, expect, it } from "vitest";
import { ConfigError, ingestEnv, loadConfig, processorsEnv } from "./config.ts";

describe("loadConfig", () => {
  it("applies defaults and coerces numbers", () => {
    const config = loadConfig(processorsEnv, { BATCH_MAX_MESSAGES: "100" });
    expect(config).toMatchObject({
      BATCH_MAX_MESSAGES: 100,
      NATS_URL: "nats://127.0.0.1:4222",
      ACK_WAIT_MS: 15_000,
    });
  });

  it("names every bad variable", () => {
    try {
      loadConfig(ingestEnv, { INGEST_PORT: "99999", CUSTOMER_HASH_KEY: "short" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).message;
      expect(text).toMatch(/INGEST_PORT/);
      expect(text).toMatch(/CUSTOMER_HASH_KEY/);
    }
  });
});
