import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { eventSubject, type CanonicalEvent } from "../core/events.ts";
import { shopify } from "../platforms/shopify/index.ts";
import { BENCH_HASH_KEY, BENCH_SECRET, OrderWebhooks } from "./corpus.ts";

/**
 * Builds a backlog for the drain benchmark: `count` canonical order events in stream EVENTS, as
 * ingest would have published them while the processors were down. The first event comes out of
 * the real Shopify adapter; the rest are copies with their own ids, so building a million costs
 * seconds, not minutes. Usage: node bench/backlog-publish.ts <nats url> <count> <shop> [skus]. With
 * `skus`, line n of the backlog sells SKU n mod skus (every SKU sold once the backlog is long enough):
 * what the processors hold per SKU shows in their RSS. Prints JSON.
 */
const [
  url = "nats://127.0.0.1:4222",
  countArg = "1000000",
  shop = "bench-backlog.myshopify.com",
  skusArg = "0",
] = process.argv.slice(2);
const count = Number(countArg);
const skus = Number(skusArg);

const adapter = shopify.create({ SHOPIFY_API_SECRET: BENCH_SECRET }, { customerHashKey: BENCH_HASH_KEY });
const webhook = new OrderWebhooks(shop, 0).next();
const handled = adapter.handle({
  header: (name) => webhook.headers[name],
  rawBody: Buffer.from(webhook.body),
  receivedAt: new Date().toISOString(),
});
if (handled.kind !== "publish") throw new Error("the bench order was not turned into an event");
const template = handled.events[0] as Extract<CanonicalEvent, { type: "order" }>;
const subject = eventSubject(template);

const nc = await connect({ servers: url });
const js = jetstream(nc);
const base = Date.now() - count; // one order per millisecond, ending now
const started = performance.now();
let next = 0;
const worker = async () => {
  while (next < count) {
    const i = next++;
    const orderId = String(7_000_000_000_000 + i);
    const at = new Date(base + i).toISOString();
    const event = {
      ...template,
      eventId: `orders/create:backlog-${i}`,
      receivedAt: at,
      order: {
        ...template.order,
        orderId,
        createdAt: at,
        updatedAt: at,
        lines: template.order.lines.map((line, j) => ({
          ...line,
          lineId: `${orderId}${j}`,
          ...(skus ? { sku: `BENCH-${(i * template.order.lines.length + j) % skus}` } : {}),
        })),
      },
    };
    await js.publish(subject, JSON.stringify(event), { msgID: `shopify:${shop}:${event.eventId}` });
  }
};
await Promise.all(Array.from({ length: 512 }, worker));
const seconds = (performance.now() - started) / 1000;
await nc.drain();
console.log(JSON.stringify({ published: count, seconds, perSecond: count / seconds }));
