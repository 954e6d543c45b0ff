import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { headers, nanos } from "@nats-io/transport-node";
import type { Sender } from "@questdb/nodejs-client";
import { InteractionBatch } from "../../core/interaction.ts";
import type { Logger } from "../../core/log.ts";
import { BEHAVIOUR_STREAM, DEAD_LETTER_PREFIX } from "../../core/nats.ts";
import { untilAnswered } from "../../core/start-up.ts";
import type { RunningConsumer } from "../consumer.ts";
import { chunksOf, rowsOf, type RowBudget } from "./row-budget.ts";
import { writeBehaviourRows } from "./rows.ts";
import { ScrollReports } from "./scroll-reports.ts";

export interface BehaviourConsumerOptions {
  /** The durable's name (one per partition: `behaviour`, `behaviour_p1`). */
  name: string;
  /** Which beacons it reads (core/interaction.ts: behaviourFilter). */
  filterSubject: string;
  /** Said in a warning for every batch it writes: beacons that should not have come this way. */
  warning?: string;
  js: JetStreamClient;
  jsm: JetStreamManager;
  sender: Sender;
  log: Logger;
  batchMaxMessages: number;
  batchMaxWaitMs: number;
  maxDeliveries: number;
  ackWaitMs: number;
  /** Caps the rows written per second (none: as fast as QuestDB takes them). */
  budget?: RowBudget;
}

/**
 * The durable consumer of the BEHAVIOUR stream: batches of beacons become rows in one QuestDB write,
 * acked after QuestDB accepted it. A message that is not a valid batch is dead-lettered at once; a
 * write that fails is retried with back-off and, past `maxDeliveries`, its messages dead-lettered.
 * (processors/consumer.ts does the same for EVENTS; it is typed to canonical order events.)
 */
export async function startBehaviourConsumer(options: BehaviourConsumerOptions): Promise<RunningConsumer> {
  const { js, jsm, log, name } = options;
  const messages = await untilAnswered(
    `consumer ${name} on ${BEHAVIOUR_STREAM}`,
    async () => {
      await ensureDurable(jsm, options);
      const consumer = await js.consumers.get(BEHAVIOUR_STREAM, name);
      return consumer.consume({ max_messages: options.batchMaxMessages * 2 });
    },
    { log },
  );

  const reports = new ScrollReports();
  let pending: JsMsg[] = [];
  let timer: NodeJS.Timeout | undefined;
  let chain = Promise.resolve();
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    chain = chain.then(() =>
      settle(batch, reports, options).catch((err: unknown) =>
        log.error({ consumer: name, messages: batch.length, err: String(err) }, "behaviour batch unsettled"),
      ),
    );
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
  log.info({ consumer: name, stream: BEHAVIOUR_STREAM, filter: options.filterSubject }, "consuming");
  return {
    done,
    async stop() {
      await messages.close();
      await done;
    },
  };
}

async function ensureDurable(jsm: JetStreamManager, options: BehaviourConsumerOptions) {
  const config = {
    durable_name: options.name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(options.ackWaitMs),
    max_ack_pending: Math.max(20_000, options.batchMaxMessages * 4),
    filter_subject: options.filterSubject,
  };
  try {
    await jsm.consumers.info(BEHAVIOUR_STREAM, options.name);
    await jsm.consumers.update(BEHAVIOUR_STREAM, options.name, config);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
    await jsm.consumers.add(BEHAVIOUR_STREAM, config);
  }
}

async function settle(
  batch: JsMsg[],
  reports: ScrollReports,
  options: BehaviourConsumerOptions,
): Promise<void> {
  if (!batch.length) return;
  const decoded: Decoded[] = [];
  for (const msg of batch) {
    const parsed = InteractionBatch.safeParse(safeJson(msg));
    if (parsed.success) decoded.push({ msg, batch: parsed.data });
    else
      await deadLetter(msg, `not an interaction batch: ${parsed.error.issues[0]?.path.join(".")}`, options);
  }
  if (!decoded.length) return;
  if (options.warning)
    options.log.warn(
      {
        consumer: options.name,
        batches: decoded.length,
        sites: [...new Set(decoded.map((d) => d.batch.site))].slice(0, 10),
      },
      options.warning,
    );
  const { budget } = options;
  const chunks = budget ? chunksOf(decoded, (d) => rowsOf(d.batch), budget.chunkRows) : [decoded];
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i]!;
    if (budget) await waitForBudget(budget, chunk, chunks.slice(i));
    try {
      for (const d of chunk) await writeBehaviourRows(options.sender, d.batch, reports);
      await options.sender.flush();
      for (const { msg } of chunk) msg.ack();
    } catch (err) {
      options.sender.reset();
      const unwritten = chunks.slice(i).flat();
      options.log.warn(
        { consumer: options.name, messages: unwritten.length, err: String(err) },
        "behaviour batch not written",
      );
      for (const { msg } of unwritten) {
        if (msg.info.deliveryCount >= options.maxDeliveries) await deadLetter(msg, String(err), options);
        else msg.nak(Math.min(30_000, 500 * 2 ** msg.info.deliveryCount));
      }
      return;
    }
  }
}

/** Waits until the budget allows the chunk, telling the broker the waiting messages are in hand. */
async function waitForBudget(budget: RowBudget, chunk: Decoded[], waiting: Decoded[][]) {
  const waitMs = budget.take(chunk.reduce((n, d) => n + rowsOf(d.batch), 0));
  if (!waitMs) return;
  for (const { msg } of waiting.flat()) msg.working();
  await new Promise((resolve) => setTimeout(resolve, waitMs));
}

type Decoded = { msg: JsMsg; batch: InteractionBatch };

function safeJson(msg: JsMsg): unknown {
  try {
    return msg.json();
  } catch {
    return undefined; // fails the schema check, which dead-letters it with the reason
  }
}

async function deadLetter(msg: JsMsg, reason: string, { js, log, name }: BehaviourConsumerOptions) {
  const h = headers();
  h.set("MetricsDash-Error", reason.slice(0, 1000));
  h.set("MetricsDash-Subject", msg.subject);
  h.set("MetricsDash-Consumer", name);
  await js.publish(`${DEAD_LETTER_PREFIX}.${msg.subject}`, msg.data, {
    headers: h,
    msgID: `${name}:${msg.info.streamSequence}`,
  });
  msg.term(reason.slice(0, 200));
  log.error(
    { consumer: name, subject: msg.subject, seq: msg.info.streamSequence, reason },
    "message dead-lettered",
  );
}
