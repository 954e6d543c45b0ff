import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { benchBatchBytes } from "./beacons.ts";
import { OrderWebhooks } from "./corpus.ts";

/**
 * Baseline: JetStream publish from Node of the same ≈ 9 KB order payloads, with a `msgID` each
 * (as ingest publishes), to a file-storage stream of its own, `inFlight` publishes awaiting their
 * acks at a time. Usage: node bench/raw-publish.ts <nats url> <seconds> [inFlight] [orders|interactions].
 * `interactions` publishes the canonical behaviour batch ingest makes of bench/behaviour.ts's beacon.
 * Prints JSON.
 */
const [url = "nats://127.0.0.1:4222", secondsArg = "10", inFlightArg = "256", kind = "orders"] =
  process.argv.slice(2);
const seconds = Number(secondsArg);
const inFlight = Number(inFlightArg);

const nc = await connect({ servers: url });
const jsm = await jetstreamManager(nc);
await jsm.streams.add({
  name: "BENCH_RAW",
  subjects: ["benchraw.>"],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  max_bytes: 4 * 1024 ** 3,
});
const js = jetstream(nc);

// The bodies exist before the clock starts: this measures the broker and the client, not the corpus.
const corpus = new OrderWebhooks("bench-raw.myshopify.com", 0);
const bodies = Array.from({ length: 1000 }, () =>
  kind === "interactions" ? benchBatchBytes() : new TextEncoder().encode(corpus.next().body),
);
const bytes = bodies.reduce((a, b) => a + b.length, 0) / bodies.length;

let published = 0;
const started = performance.now();
const deadline = started + seconds * 1000;
const worker = async (w: number) => {
  for (let i = w; performance.now() < deadline; i += inFlight) {
    await js.publish(`benchraw.orders`, bodies[i % bodies.length]!, { msgID: `raw-${started}-${i}` });
    published++;
  }
};
await Promise.all(Array.from({ length: inFlight }, (_, w) => worker(w)));
const elapsed = (performance.now() - started) / 1000;
await jsm.streams.delete("BENCH_RAW");
await nc.drain();
console.log(
  JSON.stringify({ published, seconds: elapsed, perSecond: published / elapsed, bytes, inFlight, kind }),
);
