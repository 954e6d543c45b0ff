import type { JsMsg } from "@nats-io/jetstream";
import type { CanonicalEvent } from "../core/events.ts";

/** What tells one message of a stream from another: its sequence, and its bytes. */
export type Sequenced = Pick<JsMsg, "data"> & { info: Pick<JsMsg["info"], "streamSequence"> };

/**
 * One decode per event per process. The orders, sales and inventory consumers each receive every
 * order event; parsing and validating it three times was a quarter of the processors' CPU in a
 * drain (docs/benchmarks.md). The first consumer to meet a message decodes it; the others take its
 * result while it is held. An entry is dropped once every reader took it, or when the table is full
 * (the oldest first: a consumer far behind the others decodes for itself), so memory is bounded by
 * `max` events whatever the consumers' distance. Messages are told apart by stream sequence, so one
 * instance serves the consumers of one stream.
 *
 * Handlers must treat events as read-only: the same object reaches every reader.
 */
export class SharedDecode {
  readonly #held = new Map<number, { data: Uint8Array; event: CanonicalEvent; left: number }>();
  readonly #readers: number;
  readonly #max: number;
  #newest = 0;
  #hits = 0;
  #misses = 0;

  /**
   * @param readers how many consumers of this process receive each message (each takes it once)
   * @param max the most events held at once
   * @example const shared = new SharedDecode(3, 2_000); startConsumer({ …, shared })
   */
  constructor(readers: number, max: number) {
    this.#readers = readers;
    this.#max = max;
  }

  /** The event of `msg`, decoded by `decode` unless another reader already did. */
  take<M extends Sequenced>(msg: M, decode: (msg: M) => CanonicalEvent): CanonicalEvent {
    const seq = msg.info.streamSequence;
    const held = this.#held.get(seq);
    // Same sequence, same bytes: a stream's sequence names one message; the bytes make sure of it.
    if (held && Buffer.compare(held.data, msg.data) === 0) {
      this.#hits += 1;
      if (--held.left <= 0) this.#held.delete(seq);
      return held.event;
    }
    this.#misses += 1;
    const event = decode(msg);
    // Only the reader in front holds what it decodes: the others have passed it already, and a reader
    // behind (or a redelivery) would push out events that the readers after the front still need.
    if (this.#readers > 1 && seq > this.#newest) this.#hold(seq, msg.data, event);
    return event;
  }

  #hold(seq: number, data: Uint8Array, event: CanonicalEvent): void {
    this.#newest = seq;
    this.#held.set(seq, { data, event, left: this.#readers - 1 });
    if (this.#held.size > this.#max) this.#held.delete(this.#held.keys().next().value!);
  }

  /** Decodes saved and done, and how many events are held now (for the benchmark and the log). */
  stats(): { hits: number; misses: number; held: number } {
    return { hits: this.#hits, misses: this.#misses, held: this.#held.size };
  }
}
