import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { headers, nanos } from "@nats-io/transport-node";
import type { Sender } from "@questdb/nodejs-client";
import { CanonicalEvent } from "../core/events.ts";
import type { Logger } from "../core/log.ts";
import { DEAD_LETTER_PREFIX, EVENTS_STREAM } from "../core/nats.ts";
import { QuestDbError } from "../core/questdb.ts";

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
  batchMaxWaitMs: number;
  maxDeliveries: number;
  ackWaitMs: number;
  filterSubject?: string;
}

export interface RunningConsumer {
  /** Stops pulling, writes what was already pulled, and resolves when that batch is settled. */
  stop(): Promise<void>;
  readonly done: Promise<void>;
}

/** A message that can never be processed, whatever the state of the services: dead-letter it now. */
class Poison extends Error {}

/**
 * A durable JetStream pull consumer that hands batches to a handler. Messages are acked only after
 * the handler's write was accepted, so a crash anywhere redelivers rather than loses. A batch that
 * fails because QuestDB is unreachable is retried whole with back-off; a message that fails on its
 * own is retried alone and dead-lettered after `maxDeliveries`.
 */
export async function startConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const { name, js, jsm, log } = options;
  await ensureDurable(jsm, name, options);
  const consumer = await js.consumers.get(EVENTS_STREAM, name);
  const messages = await consumer.consume({ max_messages: options.batchMaxMessages * 2 });

  let pending: JsMsg[] = [];
  let timer: NodeJS.Timeout | undefined;
  let chain = Promise.resolve();
  let queued = false;

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
      if (!batch.length) return;
      await settle(batch, options).catch((err: unknown) => {
        // Unsettled messages come back after ack_wait; nothing is lost, but say why they will.
        options.log.error(
          { consumer: name, messages: batch.length, err: String(err) },
          "batch left unsettled, will be redelivered",
        );
      });
    });
    return chain;
  };

  const done = (async () => {
    for await (const msg of messages) {
      pending.push(msg);
      if (pending.length >= options.batchMaxMessages) await flush();
      else timer ??= setTimeout(flush, options.batchMaxWaitMs);
    }
    await flush();
  })();

  log.info({ consumer: name, stream: EVENTS_STREAM }, "consuming");
  return {
    done,
    async stop() {
      await messages.close();
      await done;
    },
  };
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
    filter_subject: options.filterSubject ?? "evt.>",
  };
  try {
    await jsm.consumers.info(EVENTS_STREAM, name);
    await jsm.consumers.update(EVENTS_STREAM, name, config);
  } catch (err) {
    if (!/consumer not found/i.test(String(err)))
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

/** QuestDB not answering is a matter of waiting; QuestDB refusing the rows is about the rows. */
function isInfrastructure(err: unknown): boolean {
  if (err instanceof MessageProblem) return false;
  if (err instanceof QuestDbError) return err.status === undefined || err.status >= 500;
  const text = String((err as Error)?.message ?? err);
  return !/\b(400|bad request|invalid|cast|parse)\b/i.test(text);
}

async function settle(batch: JsMsg[], options: ConsumerOptions): Promise<void> {
  const { log } = options;
  const decoded: { msg: JsMsg; event: CanonicalEvent }[] = [];
  for (const msg of batch) {
    try {
      decoded.push({ msg, event: decode(msg) });
    } catch (err) {
      await deadLetter(msg, err as Error, options);
    }
  }
  if (!decoded.length) return;

  try {
    await options.handle(
      decoded.map((d) => d.event),
      options.sender,
    );
    for (const { msg } of decoded) msg.ack();
    log.debug({ consumer: options.name, messages: decoded.length }, "batch written");
    return;
  } catch (err) {
    options.sender.reset();
    if (isInfrastructure(err)) {
      const attempt = Math.max(...decoded.map((d) => d.msg.info.deliveryCount));
      const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
      log.warn(
        { consumer: options.name, messages: decoded.length, retryInMs: delay, err: String(err) },
        "batch not written, will retry",
      );
      for (const { msg } of decoded) msg.nak(delay);
      return;
    }
    log.warn(
      { consumer: options.name, err: String(err) },
      "batch rejected, retrying its messages one by one",
    );
  }

  for (const { msg, event } of decoded) {
    try {
      await options.handle([event], options.sender);
      msg.ack();
    } catch (err) {
      options.sender.reset();
      if (!isInfrastructure(err) && msg.info.deliveryCount >= options.maxDeliveries)
        await deadLetter(msg, err as Error, options);
      else msg.nak(1000 * msg.info.deliveryCount);
    }
  }
}

/** Keeps the message, why it failed and where it came from; then stops its redelivery. */
async function deadLetter(msg: JsMsg, err: Error, { js, log, name }: ConsumerOptions): Promise<void> {
  const h = headers();
  h.set("MetricsDash-Error", err.message.slice(0, 1000));
  h.set("MetricsDash-Subject", msg.subject);
  h.set("MetricsDash-Consumer", name);
  h.set("MetricsDash-Deliveries", String(msg.info.deliveryCount));
  await js.publish(`${DEAD_LETTER_PREFIX}.${msg.subject}`, msg.data, {
    headers: h,
    msgID: `${name}:${msg.info.streamSequence}`,
  });
  msg.term(err.message.slice(0, 200));
  log.error(
    { consumer: name, subject: msg.subject, seq: msg.info.streamSequence, err: err.message },
    "message dead-lettered",
  );
}
