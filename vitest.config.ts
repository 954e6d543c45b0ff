import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", ".data/**"],
    // Each test file starts its own NATS and QuestDB; two cores run two files at a time at most.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 300_000,
    // Browser pages and processors answer in milliseconds when the machine is idle and in seconds
    // when CI shares it; a poll is a wait for "eventually", not a timing target.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    reporters: ["default"],
    // The platform fakes are plain-http servers on loopback: tests (and the services they start,
    // which inherit this environment) let the outbound guard reach them. The guard's own tests
    // (core/guarded-fetch.test.ts, test/edge.test.ts) use the production policy.
    env: { OUTBOUND_ALLOW_HTTP: "true", OUTBOUND_PRIVATE_HOSTS: "127.0.0.1,localhost,::1" },
  },
});
