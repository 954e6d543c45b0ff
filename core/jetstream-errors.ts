import { JetStreamApiError } from "@nats-io/jetstream";

/**
 * The JetStream API error codes we act on (nats-server's errors.json; the client names only a few).
 * Checked against nats-server 2.9.10 here: a stream at its `max_bytes` with `discard: new` answers a
 * publish with 10077 ("maximum bytes exceeded"), a server whose store is exhausted with 10023, and a
 * stream asking for more than the server can reserve is refused at creation with 10047.
 */
export const JetStreamCodes = {
  /** JSStreamStoreFailedF: the stream refused to store the message (at its limits, or a store fault). */
  StreamStoreFailed: 10077,
  /** JSInsufficientResourcesErr: the server's JetStream storage is exhausted. */
  InsufficientResources: 10023,
  /** JSStorageResourcesExceededErr: the server cannot reserve the stream's max_bytes. */
  StorageResourcesExceeded: 10047,
} as const;

function apiCode(err: unknown): number | undefined {
  return err instanceof JetStreamApiError ? err.code : undefined;
}

/**
 * A publish JetStream answered but refused to store: the stream (or the server's store) is full.
 * Nothing was written, so the sender may retry once the processors have made room.
 */
export function isStoreRefusal(err: unknown): boolean {
  const code = apiCode(err);
  return code === JetStreamCodes.StreamStoreFailed || code === JetStreamCodes.InsufficientResources;
}

/** The server cannot reserve what a stream's limit asks for. */
export function isReservationRefused(err: unknown): boolean {
  return apiCode(err) === JetStreamCodes.StorageResourcesExceeded;
}

/** A stream limit from the environment that the NATS server cannot hold; names the variable to change. */
export class StreamLimitError extends Error {
  readonly stream: string;
  readonly variable: string;
  readonly bytes: number;
  constructor(stream: string, variable: string, bytes: number, options?: ErrorOptions) {
    super(
      `stream ${stream}: the NATS server cannot reserve ${variable}=${bytes} bytes ` +
        `(with the other streams' limits it exceeds the server's JetStream max_file_store); ` +
        `lower ${variable} or give nats-server a larger max_file_store`,
      options,
    );
    this.name = "StreamLimitError";
    this.stream = stream;
    this.variable = variable;
    this.bytes = bytes;
  }
}
