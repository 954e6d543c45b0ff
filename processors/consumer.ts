import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  JetStreamError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { headers, nanos } from "@nats-io/transport-node";
import type { Sender } from "@questdb/nodejs-client";
import { CanonicalEvent } from "../core/events.ts";
import type { Logger } from "../core/log.ts";
import { DEAD_LETTER_PREFIX, EVENTS_STREAM, NATS_AWAY_ERRORS } from "../core/nats.ts";
import { QuestDbError } from "../core/questdb.ts";
import { untilAnswered } from "../core/start-up.ts";
import { partitionConsumerName, partitionFilter, WHOLE, type Partition } from "../core/partitions.ts";
import type { SharedDecode } from "./shared-decode.ts";

/** Writes a batch of events; resolves only once QuestDB accepted every row (then the batch is acked). */
export type BatchHandler = (events: CanonicalEvent[], sender: Sender) => Promise<void>;

export interface ConsumerOptions {
  name: string;
  js: JetStreamClient;
  jsm: JetStreamManager;
  sender: Sender;
  handle: BatchHandler;
  log: Logger;
  batchMaxMessages: number;
  /** A batch is also cut when its messages add up to this many bytes (default `DEFAULT_BATCH_MAX_BYTES`). */
  batchMaxBytes?: number;
  batchMaxWaitMs: number;
  maxDeliveries: number;
  ackWaitMs: number;
  filterSubject?: string;
  /** The replica's partition of shops: its own durable (`orders_p1`) on that partition's subjects. */
  partition?: Partition;
  /** Shared with the process's other consumers of the same messages, so each is decoded once. */
  shared?: SharedDecode;
}

export interface RunningConsumer {
  /** Stops pulling, writes what was already pulled, and resolves when that batch is settled. */
  stop(): Promise<void>;
  readonly done: Promise<void>;
}

/**
 * Well under the QuestDB client's 100 MiB buffer: the rows a batch becomes are of the order of its
 * messages' size, and a batch that cannot fit the buffer would fail the same way on every retry.
 */
export const DEFAULT_BATCH_MAX_BYTES = 8 * 1024 * 1024;

/** A message that can never be processed, whatever the state of the services: dead-letter it now. */
class Poison extends Error {}

/**
 * A durable JetStream pull consumer that hands batches to a handler. Messages are acked only after
 * the handler's write was accepted, so a crash anywhere redelivers rather than loses. A batch that
 * fails because QuestDB is unreachable is retried whole with back-off; a message that fails on its
 * own is retried alone and dead-lettered after `maxDeliveries`.
 */
export async function startConsumer(given: ConsumerOptions): Promise<RunningConsumer> {
  const partition = given.partition ?? WHOLE;
  const options: ConsumerOptions = {
    ...given,
    name: partitionConsumerName(given.name, partition),
    filterSubject: partitionFilter(given.filterSubject ?? "evt.>", partition),
  };
  const { name, js, jsm, log } = options;
  // A replica restarted into a backlog asks the broker while its other consumers drain: a request
  // that misses its timeout then is waited out, not a reason to exit (each step is safe to repeat).
  const messages = await untilAnswered(
    `consumer ${name} on ${EVENTS_STREAM}`,
    async () => {
      await ensureDurable(jsm, name, options);
      const consumer = await js.consumers.get(EVENTS_STREAM, name);
      return consumer.consume({ max_messages: options.batchMaxMessages * 2 });
    },
    { log },
  );

  const maxBytes = options.batchMaxBytes ?? DEFAULT_BATCH_MAX_BYTES;
  let pending: JsMsg[] = [];
  let pendingBytes = 0;
  let timer: NodeJS.Timeout | undefined;
  let chain = Promise.resolve();
  let queued = false;
  let writing: JsMsg[] = [];
  const heartbeat = keepHeld(() => [pending, writing], options.ackWaitMs);

  // Group commit: a batch is taken from `pending` when the write before it has finished, not when
  // its timer fired, so messages that arrive while QuestDB is busy join the next write instead of
  // queueing up as many small ones. Under load that means fewer, larger ILP requests and WAL
  // commits (QuestDB's CPU per row falls with commit size); when idle nothing changes.
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (queued) return chain;
    queued = true;
    chain = chain.then(async () => {
      queued = false;
      const batch = pending;
      pending = [];
      pendingBytes = 0;
      if (!batch.length) return;
      writing = batch;
      await settle(batch, options).catch((err: unknown) => {
        // Unsettled messages come back after ack_wait; nothing is lost, but say why they will.
        options.log.error(
          { consumer: name, messages: batch.length, err: String(err) },
          "batch left unsettled, will be redelivered",
        );
      });
      writing = [];
    });
    return chain;
  };

  const done = (async () => {
    try {
      for await (const msg of messages) {
        pending.push(msg);
        pendingBytes += msg.data.length;
        if (pending.length >= options.batchMaxMessages || pendingBytes >= maxBytes) await flush();
        else timer ??= setTimeout(flush, options.batchMaxWaitMs);
      }
      await flush();
    } finally {
      clearInterval(heartbeat);
    }
  })();

  log.info({ consumer: name, stream: EVENTS_STREAM, subjects: options.filterSubject }, "consuming");
  return {
    done,
    async stop() {
      await messages.close();
      await done;
    },
  };
}

/**
 * Tells JetStream that the messages a consumer holds (pulled, waiting for or in a write) are still
 * being worked on, a third of ack_wait apart, so a batch that waits behind a slow write or is
 * bisected is not redelivered meanwhile. A progress message per message before every write was
 * half of the acks' cost in a drain (docs/benchmarks.md); a write shorter than the interval, almost
 * every one, now sends none. Acked, nak'd and terminated messages ignore it.
 */
function keepHeld(held: () => JsMsg[][], ackWaitMs: number): NodeJS.Timeout {
  const timer = setInterval(
    () => {
      for (const batch of held()) for (const msg of batch) msg.working();
    },
    Math.max(200, Math.floor(ackWaitMs / 3)),
  );
  timer.unref();
  return timer;
}

async function ensureDurable(jsm: JetStreamManager, name: string, options: ConsumerOptions): Promise<void> {
  const config = {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    // After a crash, unacked messages come back after this long. A flush slower than this (QuestDB
    // struggling) only causes a redelivery, which the idempotent writes absorb.
    ack_wait: nanos(options.ackWaitMs),
    max_ack_pending: Math.max(20_000, options.batchMaxMessages * 4),
    filter_subject: options.filterSubject,
  };
  try {
    await jsm.consumers.info(EVENTS_STREAM, name);
    await jsm.consumers.update(EVENTS_STREAM, name, config);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound))
      throw new Error(`cannot check consumer ${name}: ${String(err)}`, { cause: err });
    await jsm.consumers.add(EVENTS_STREAM, config);
  }
}

function decode(msg: JsMsg): CanonicalEvent {
  let body: unknown;
  try {
    body = msg.json();
  } catch (err) {
    throw new Poison(`not JSON: ${(err as Error).message}`);
  }
  const parsed = CanonicalEvent.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Poison(`not a canonical event: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return parsed.data;
}

/** A failure of one message (retried alone, then dead-lettered), never a reason to hold back the batch. */
export class MessageProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MessageProblem";
  }
}

/**
 * Why a write failed, from the error's type: `wait` — QuestDB or NATS is not answering, the same
 * rows will go through later; `refused` — QuestDB answered 4xx, these rows will never go in;
 * `message` — one message's own problem (a `MessageProblem`, or an error we have no type for, e.g.
 * the client refusing a value), worth a few retries before it is dead-lettered.
 */
export type Failure = "wait" | "refused" | "message";

const NATS_UNAVAILABLE = [...NATS_AWAY_ERRORS, JetStreamError, JetStreamApiError];

export function classify(err: unknown): Failure {
  if (err instanceof QuestDbError)
    return err.status === undefined || err.status >= 500 || err.status === 429 ? "wait" : "refused";
  if (NATS_UNAVAILABLE.some((type) => err instanceof type)) return "wait";
  return "message";
}

/** Header values are one line of printable text: a newline (JSON.parse quotes the input) breaks the publish. */
export function headerValue(text: string, max = 1000): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, " ").slice(0, max);
}

async function settle(batch: JsMsg[], options: ConsumerOptions): Promise<void> {
  const decoded: Item[] = [];
  for (const msg of batch) {
    try {
      decoded.push({ msg, event: options.shared ? options.shared.take(msg, decode) : decode(msg) });
    } catch (err) {
      await deadLetter(msg, err as Error, options);
    }
  }
  if (decoded.length) await write(decoded, options);
}

interface Item {
  msg: JsMsg;
  event: CanonicalEvent;
}

/**
 * Writes a batch; on a failure that is about the rows, halves it until the message at fault is
 * alone, so one bad message costs log2(batch) extra writes and never holds back the others.
 */
async function write(items: Item[], options: ConsumerOptions): Promise<void> {
  const { log } = options;
  try {
    await options.handle(
      items.map((d) => d.event),
      options.sender,
    );
    for (const { msg } of items) msg.ack();
    log.debug({ consumer: options.name, messages: items.length }, "batch written");
    return;
  } catch (err) {
    options.sender.reset();
    const failure = classify(err);
    if (failure === "wait") {
      const attempt = Math.max(...items.map((d) => d.msg.info.deliveryCount));
      const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
      log.warn(
        { consumer: options.name, messages: items.length, retryInMs: delay, err: String(err) },
        "batch not written, will retry",
      );
      for (const { msg } of items) msg.nak(delay);
      return;
    }
    if (items.length > 1) {
      log.warn(
        { consumer: options.name, messages: items.length, err: String(err) },
        "batch rejected, writing its halves apart",
      );
      const half = Math.ceil(items.length / 2);
      await write(items.slice(0, half), options);
      await write(items.slice(half), options);
      return;
    }
    const { msg } = items[0]!;
    if (failure === "refused" || msg.info.deliveryCount >= options.maxDeliveries)
      await deadLetter(msg, err as Error, options);
    else msg.nak(1000 * msg.info.deliveryCount);
  }
}

/** Keeps the message, why it failed and where it came from; then stops its redelivery. */
async function deadLetter(msg: JsMsg, err: Error, { js, log, name }: ConsumerOptions): Promise<void> {
  const h = headers();
  h.set("MetricsDash-Error", headerValue(String(err.message)));
  h.set("MetricsDash-Subject", headerValue(msg.subject));
  h.set("MetricsDash-Consumer", headerValue(name));
  h.set("MetricsDash-Deliveries", String(msg.info.deliveryCount));
  await js.publish(`${DEAD_LETTER_PREFIX}.${msg.subject}`, msg.data, {
    headers: h,
    msgID: `${name}:${msg.info.streamSequence}`,
  });
  // No reason text: nats-server 2.9 (Debian's) does not parse `+TERM <reason>` and redelivers.
  // The reason is in the dead letter's headers.
  msg.term();
  log.error(
    { consumer: name, subject: msg.subject, seq: msg.info.streamSequence, err: err.message },
    "message dead-lettered",
  );
}
