import autocannon from "autocannon";
import { OrderWebhooks } from "./corpus.ts";

/**
 * The load generator, in a process of its own (forked by bench/run.ts) so that the freshness
 * poller is not starved by it. (Not a worker thread: autocannon inside one reports raw histograms.) Each request is a new signed orders/create; every `probeEvery`-th is a probe
 * whose 200 OK time is reported, so the main thread can time when its row becomes queryable.
 */
export interface LoadSpec {
  url: string;
  shop: string;
  idBase: number;
  connections: number;
  seconds: number;
  /** Requests per second over all connections; absent = as fast as the server answers. */
  rate?: number;
  probeEvery: number;
  /** Every n-th request sends the webhook before it again, as a platform's retry does (0: never). */
  redeliverEvery?: number;
  /** Sends the body to this path instead (the bare Hono baseline). */
  path?: string;
}

export interface LoadResult {
  seconds: number;
  sent: number;
  accepted: number;
  /** Distinct orders handed to autocannon: some of the last may be in flight when it stops counting. */
  issuedOrders: number;
  /** Of `accepted`, how many ingest answered as duplicates (`"duplicates":1`: no new order). */
  acceptedRedeliveries: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** The last order id issued: orders with ids above `idBase` up to this one were offered. */
  lastId: number;
}

export type LoadMessage =
  { kind: "probes"; probes: [orderId: string, okAt: number][] } | { kind: "done"; result: LoadResult };

const spec = JSON.parse(process.env.BENCH_LOAD_SPEC ?? "{}") as LoadSpec;
const send = (message: LoadMessage) => process.send!(message);
const webhooks = new OrderWebhooks(spec.shop, spec.idBase);
const now = () => performance.timeOrigin + performance.now();
let issued = 0;
let acceptedRedeliveries = 0;
let issuedOrders = 0;
let last: ReturnType<OrderWebhooks["next"]> | undefined;
let probes: [string, number][] = [];
const flushProbes = setInterval(() => {
  if (!probes.length) return;
  send({ kind: "probes", probes });
  probes = [];
}, 20);

const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.seconds,
  ...(spec.rate ? { overallRate: spec.rate } : {}),
  timeout: 10,
  requests: [
    {
      method: "POST",
      ...(spec.path ? { path: spec.path } : {}),
      setupRequest: (request, context) => {
        issued++;
        const again = Boolean(spec.redeliverEvery && last && issued % spec.redeliverEvery === 0);
        if (!again) issuedOrders++;
        const webhook = again ? last! : (last = webhooks.next());
        // Probes are counted among new orders: with `issued`, every probe slot could be a redelivery.
        context.orderId = !again && issuedOrders % spec.probeEvery === 0 ? webhook.orderId : undefined;
        return { ...request, method: "POST", headers: webhook.headers, body: webhook.body };
      },
      onResponse: (status, body, context) => {
        if (status !== 200) return;
        // Counted from ingest's answer, not from what we meant to send: autocannon's context is
        // per connection, and a retry racing its original may be the one that is stored.
        if (body.includes('"duplicates":1')) acceptedRedeliveries++;
        if (typeof context.orderId === "string") probes.push([context.orderId, now()]);
      },
    },
  ],
});
clearInterval(flushProbes);
if (probes.length) send({ kind: "probes", probes });
send({
  kind: "done",
  result: {
    seconds: result.duration,
    sent: result.requests.sent,
    accepted: result["2xx"],
    acceptedRedeliveries,
    issuedOrders,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    lastId: spec.idBase + issued,
  },
});
process.disconnect();
