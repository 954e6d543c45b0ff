import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./env.ts";
import { behaviourFilter, behaviourSubject } from "./interaction.ts";
import {
  keyPartition,
  partitionConsumerName,
  partitionedSubject,
  partitionFilter,
  replicaEnv,
  replicaPartition,
  shopPartition,
} from "./partitions.ts";

describe("shopPartition", () => {
  // FNV-1a 32-bit of the key, computed apart (Python): 861331513 and 1689611663.
  it("is FNV-1a of platform:shop modulo the count, the same in every process", () => {
    expect(shopPartition("shopify", "a.myshopify.com", 2)).toBe(861331513 % 2);
    expect(shopPartition("shopify", "a.myshopify.com", 7)).toBe(861331513 % 7);
    expect(shopPartition("woocommerce", "shop.example", 7)).toBe(1689611663 % 7);
    expect(shopPartition("woocommerce", "shop.example", 1)).toBe(0);
  });

  it("spreads many shops over every partition", () => {
    const counts = new Array<number>(4).fill(0);
    for (let i = 0; i < 4000; i++) counts[shopPartition("shopify", `shop-${i}.myshopify.com`, 4)]! += 1;
    for (const n of counts) expect(n).toBeGreaterThan(800);
  });
});

describe("subjects and filters", () => {
  const event = { platform: "shopify", shop: "a.myshopify.com", type: "order" } as const;

  it("keeps today's subject with one partition and adds the partition as a fifth token with more", () => {
    expect(partitionedSubject(event, 1)).toBe("evt.shopify.a_2emyshopify_2ecom.order");
    expect(partitionedSubject(event, 7)).toBe(`evt.shopify.a_2emyshopify_2ecom.order.${861331513 % 7}`);
  });

  it("narrows a consumer's filter and name to its partition", () => {
    const p1 = { index: 1, count: 2 };
    expect(partitionFilter("evt.>", p1)).toBe("evt.*.*.*.1");
    expect(partitionFilter("evt.*.*.payment", p1)).toBe("evt.*.*.payment.1");
    expect(partitionFilter("evt.>", { index: 0, count: 1 })).toBe("evt.>");
    expect(() => partitionFilter("evt.shopify.>", p1)).toThrow(/cannot partition/);
    expect(partitionConsumerName("orders", p1)).toBe("orders_p1");
    expect(partitionConsumerName("orders", { index: 0, count: 1 })).toBe("orders");
  });
});

describe("replicaEnv", () => {
  it("defaults to one partition and refuses a partition outside the count, naming the variable", () => {
    expect(replicaPartition(loadConfig(replicaEnv, {}))).toEqual({ index: 0, count: 1 });
    expect(
      replicaPartition(loadConfig(replicaEnv, { PROCESSOR_PARTITIONS: "3", PROCESSOR_PARTITION: "2" })),
    ).toEqual({ index: 2, count: 3 });
    expect(() => loadConfig(replicaEnv, { PROCESSOR_PARTITIONS: "2", PROCESSOR_PARTITION: "2" })).toThrow(
      /PROCESSOR_PARTITION: PROCESSOR_PARTITION must be below/,
    );
    expect(() => loadConfig(replicaEnv, { PROCESSOR_PARTITIONS: "0" })).toThrow(ConfigError);
  });
});

describe("behaviour subjects", () => {
  // FNV-1a 32-bit of "demo-site", computed apart (Python): 3106307962.
  it("puts a site's beacons on its partition's subject, and reads a partition's alone", () => {
    expect(behaviourSubject("demo-site")).toBe("beh.demo-site");
    expect(behaviourSubject("demo-site", 5)).toBe(`beh.demo-site.${3106307962 % 5}`);
    expect(behaviourFilter({ index: 0, count: 1 })).toBe("beh.>");
    expect(behaviourFilter({ index: 3, count: 5 })).toBe("beh.*.3");
    expect(keyPartition("demo-site", 2)).toBe(3106307962 % 2);
  });
});
