/**
 * V8 flags ingest runs with, wherever it is started (services/stack.ts, docker-compose.yml; a test
 * holds compose to this list). A webhook's objects die with its request, so a small young
 * generation costs no CPU measurably (bench/ingest-cpu.ts, alternating runs: 251–451 µs per
 * webhook with V8's default, 262–415 µs with 2 MB) and keeps the receiver's resident memory at
 * rest under 100 MB and lower after a load (153–191 MB against 203–212 MB).
 */
export const INGEST_NODE_FLAGS = ["--max-semi-space-size=2"] as const;
