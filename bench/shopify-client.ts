import { mkdirSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { createLogger } from "../core/log.ts";
import { AdminClient } from "../platforms/shopify/client.ts";
import { FakeShopify } from "../test/fakes/shopify/server.ts";
import { generateShop } from "../test/fakes/shopify/store.ts";

/**
 * How long the Admin GraphQL client takes to pace QUERIES queries (82 points requested, 17 spent
 * each) through a 300-point bucket restoring 200 points/s — the wall-clock figure that used to be an
 * assertion in platforms/shopify/client.test.ts, where a loaded machine made it flaky and a slow
 * client could hide under it. Usage: node bench/shopify-client.ts [queries] [runs].
 * Writes bench/results/shopify-client-<time>.json.
 */
const [queriesArg = "12", runsArg = "5"] = process.argv.slice(2);
const QUERIES = Number(queriesArg);
const RUNS = Number(runsArg);
const SHOP = "bench-client.myshopify.com";

const fake = new FakeShopify({
  apiKey: "key",
  apiSecret: "secret-0123456789abcdef",
  bucketSize: 300,
  restoreRate: 200,
});
fake.addShop(generateShop({ domain: SHOP, orders: 3, seed: 1 }));
await fake.start();
const COST_QUERY = `query($first: Int!) { orders(first: $first) { nodes { id lineItems(first: 5) { nodes { id } } } } }`;
const Shape = z.object({ orders: z.object({ nodes: z.array(z.object({ id: z.string() })) }) });

const runs: { elapsedMs: number; waitedMs: number; throttled: number }[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    fake.shop(SHOP).available = 300;
    fake.shop(SHOP).refilledAt = Date.now();
    const client = new AdminClient({
      shop: SHOP,
      accessToken: fake.issueToken(SHOP),
      apiUrl: fake.apiUrlTemplate,
      log: createLogger("bench", "silent"),
    });
    const started = performance.now();
    for (let i = 0; i < QUERIES; i++) await client.request(COST_QUERY, { first: 10 }, Shape);
    runs.push({
      elapsedMs: Math.round(performance.now() - started),
      waitedMs: client.stats.waitedMs,
      throttled: client.stats.throttled,
    });
  }
} finally {
  await fake.stop();
}
const elapsed = runs.map((r) => r.elapsedMs).sort((a, b) => a - b);
const result = {
  at: new Date().toISOString(),
  queries: QUERIES,
  runs,
  medianElapsedMs: elapsed[Math.floor(elapsed.length / 2)],
  maxElapsedMs: elapsed.at(-1),
};
const dir = new URL("./results/", import.meta.url);
mkdirSync(dir, { recursive: true });
const file = new URL(`shopify-client-${result.at.replace(/[:.]/g, "-")}.json`, dir);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result));
