import type { Sender } from "@questdb/nodejs-client";
import type { CanonicalEvent } from "../core/events.ts";
import type { Logger } from "../core/log.ts";
import type { QuestDb } from "../core/questdb.ts";
import type { BatchHandler } from "./consumer.ts";
import { ObjectVersions, type ObjectTable } from "./object-versions.ts";

type EventOf<T extends CanonicalEvent["type"]> = Extract<CanonicalEvent, { type: T }>;

export interface LatestStateOptions<T extends CanonicalEvent["type"]> {
  /** The canonical event type this handler writes. */
  type: T;
  table: ObjectTable;
  /** Which object an event is a state of, and how new that state is. */
  state: (event: EventOf<T>) => { objectId: string; updatedAt: string };
  write: (sender: Sender, event: EventOf<T>) => Promise<void>;
  /** Logged with the count when a batch held states older than the stored ones. */
  staleMessage: string;
  staleLevel?: "debug" | "info";
  /** Runs once the batch's fresh states are written, with them: work that derives from the stored state. */
  afterWrite?: (fresh: EventOf<T>[], sender: Sender) => Promise<void>;
}

/**
 * A batch handler for objects whose newest state wins (shipments, parcels' tracking): a state older
 * than the stored one is dropped (and acked), the rest written, then remembered.
 */
export function latestStateHandler<T extends CanonicalEvent["type"]>(
  db: QuestDb,
  log: Logger,
  options: LatestStateOptions<T>,
): BatchHandler {
  const versions = new ObjectVersions(db);
  return async (events, sender) => {
    const states = events
      .filter((e): e is EventOf<T> => e.type === options.type)
      .map((event) => ({ event, processor: event.platform, shop: event.shop, ...options.state(event) }));
    const fresh = await versions.fresh(options.table, states);
    if (fresh.length < states.length)
      log[options.staleLevel ?? "info"]({ stale: states.length - fresh.length }, options.staleMessage);
    for (const { event } of fresh) await options.write(sender, event);
    await sender.flush();
    await options.afterWrite?.(
      fresh.map((s) => s.event),
      sender,
    );
    versions.remember(options.table, fresh);
  };
}
