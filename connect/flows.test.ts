import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/env.ts";
import { createLogger } from "../core/log.ts";
import type { ConnectShared } from "../platforms/adapter.ts";
import { connectFlows } from "./flows.ts";

/** connect builds a source's flow only when it is switched on, from the source's own variables. */

const shared: ConnectShared = {
  connectUrl: "http://127.0.0.1:8081",
  appName: "MetricsDash",
  log: createLogger("flows-test", "silent"),
  bucket: async (name) => {
    throw new Error(`no NATS here: a flow that is off must not open ${name}`);
  },
  sealKey: Buffer.alloc(32, 1),
};

describe("connect flows from the registry", () => {
  it("builds none when nothing switches a flow on", async () => {
    expect(await connectFlows({ BIGCOMMERCE_CLIENT_ID: "id" }, shared)).toEqual([]);
  });

  it("reports the Shopify install's own variables, each named, when SHOPIFY_API_KEY switches it on", async () => {
    const attempt = connectFlows({ SHOPIFY_API_KEY: "client-id", SHOPIFY_API_URL: "ftp://fake" }, shared);
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toMatchObject({
      problems: [
        "SHOPIFY_API_SECRET: SHOPIFY_API_SECRET is required with SHOPIFY_API_KEY",
        "SHOPIFY_API_URL: SHOPIFY_API_URL must be an http(s) URL containing {shop}",
      ],
    });
  });

  it("builds the stores' flows with STORE_WEBHOOK_KEY and leaves the Shopify install off", async () => {
    const flows = await connectFlows({ STORE_WEBHOOK_KEY: "w".repeat(32) }, shared);
    expect(flows.map((flow) => flow.platform).sort()).toEqual(["bigcommerce", "woocommerce"]);
  });
});
