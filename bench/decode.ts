import { CanonicalEvent } from "../core/events.ts";
import { shopify } from "../platforms/shopify/index.ts";
import { SharedDecode, type Sequenced } from "../processors/shared-decode.ts";
import { BENCH_HASH_KEY, BENCH_SECRET, OrderWebhooks } from "./corpus.ts";
import { writeResults } from "./results-file.ts";

/**
 * `node bench/decode.ts [events]`: what decoding an order event costs the processors, and what one
 * decode shared by its three consumers (processors/shared-decode.ts) saves. Real canonical events
 * (the Shopify adapter's, from the benchmark's 9 KB webhooks), each as its message bytes; then
 * (a) three decodes per event, as three consumers each did, (b) the shared decode with the three
 * taking turns a batch at a time, as consumers at the stream's tip do, and (c) the same with one
 * consumer `lag` events behind the other two (a drain, where inventory runs ahead). CPU time of this
 * process, best of 5 rounds; results to bench/results/decode-<time>.json.
 */
const count = Number(process.argv[2] ?? 20_000);

const adapter = shopify.create({ SHOPIFY_API_SECRET: BENCH_SECRET }, { customerHashKey: BENCH_HASH_KEY });
const webhooks = new OrderWebhooks("bench-decode.myshopify.com", 0);
const messages: Sequenced[] = [];
for (let i = 0; i < count; i++) {
  const webhook = webhooks.next();
  const handled = adapter.handle({
    header: (name) => webhook.headers[name],
    rawBody: Buffer.from(webhook.body),
    receivedAt: new Date().toISOString(),
  });
  if (handled.kind !== "publish") throw new Error("a bench order was not turned into an event");
  const data = Buffer.from(JSON.stringify(handled.events[0]));
  messages.push({ data, info: { streamSequence: i + 1 } });
}

/** What the consumer does per message (processors/consumer.ts): parse, then validate the whole event. */
const decode = (msg: Sequenced): CanonicalEvent => {
  const parsed = CanonicalEvent.safeParse(JSON.parse(Buffer.from(msg.data).toString("utf8")));
  if (!parsed.success) throw new Error("a bench event did not validate");
  return parsed.data;
};

const BATCH = 500;
/** Three readers, each taking a batch in turn; the last one `lag` messages behind the first two. */
function threeReaders(take: (msg: Sequenced) => void, lag: number) {
  for (let start = 0; start < count + lag; start += BATCH) {
    for (const offset of [0, 0, lag]) {
      const from = start - offset;
      for (let i = Math.max(0, from); i < Math.min(count, from + BATCH); i++) take(messages[i]!);
    }
  }
}

function cpuMicros(run: () => void): number {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const before = process.cpuUsage();
    run();
    const used = process.cpuUsage(before);
    best = Math.min(best, used.user + used.system);
  }
  return best;
}

const perEvent = (micros: number) => Math.round((micros / count) * 10) / 10;
const separate = cpuMicros(() => threeReaders((msg) => void decode(msg), 0));
const shared = (lag: number, max: number) => {
  let stats = { hits: 0, misses: 0, held: 0 };
  const micros = cpuMicros(() => {
    const table = new SharedDecode(3, max);
    threeReaders((msg) => void table.take(msg, decode), lag);
    stats = table.stats();
  });
  return {
    microsPerEvent: perEvent(micros),
    ratioToSeparate: Math.round((micros / separate) * 100) / 100,
    ...stats,
  };
};

const result = {
  events: count,
  eventBytes: messages[0]!.data.length,
  threeDecodesMicrosPerEvent: perEvent(separate),
  sharedAtTheTip: shared(0, 2_000),
  sharedOneReader5kBehind: shared(5_000, 2_000),
  sharedOneReader5kBehindHolding10k: shared(5_000, 10_000),
};
console.log(JSON.stringify(result, null, 2));
console.log(`results written to ${writeResults("decode", result)}`);
