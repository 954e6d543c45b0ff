import { Sender, SenderOptions, type SenderBuffer } from "@questdb/nodejs-client";
import { writeWholeWhenPlain, type EscapingBuffer } from "./ilp-escape.ts";

/**
 * QuestDB access: writes go through ILP over HTTP (`Sender`, batched, flushed explicitly so an ack
 * follows an accepted write); reads go through the HTTP `/exec` SQL endpoint.
 */

export interface QueryResult<Row = unknown[]> {
  columns: { name: string; type: string }[];
  dataset: Row[];
  count: number;
}

export class QuestDbError extends Error {
  readonly status: number | undefined;
  readonly query: string;

  constructor(message: string, status: number | undefined, query: string) {
    super(message);
    this.name = "QuestDbError";
    this.status = status;
    this.query = query;
  }
}

export class QuestDb {
  /** Where QuestDB listens, without credentials (safe to log). */
  readonly url: URL;
  /** Basic auth for QuestDB's HTTP endpoints (`http.user`/`http.password`), from the URL's user info. */
  readonly #authorization: string | undefined;

  constructor(httpUrl: string) {
    const url = new URL(httpUrl);
    if (url.username) {
      const login = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      this.#authorization = `Basic ${Buffer.from(login).toString("base64")}`;
    }
    url.username = "";
    url.password = "";
    this.url = url;
  }

  /** Headers every request to QuestDB carries. */
  get headers(): Record<string, string> {
    return this.#authorization ? { authorization: this.#authorization } : {};
  }

  async exec<Row = unknown[]>(query: string, { timeoutMs = 30_000 } = {}): Promise<QueryResult<Row>> {
    const target = new URL("/exec", this.url);
    target.searchParams.set("query", query);
    let response: Response;
    try {
      response = await fetch(target, { headers: this.headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new QuestDbError(`QuestDB unreachable at ${this.url.origin}: ${String(err)}`, undefined, query);
    }
    const body = (await response.json().catch(() => ({}))) as Partial<QueryResult<Row>> & { error?: string };
    if (!response.ok || body.error) {
      throw new QuestDbError(
        `QuestDB rejected query: ${body.error ?? response.statusText}`,
        response.status,
        query,
      );
    }
    return { columns: body.columns ?? [], dataset: body.dataset ?? [], count: body.count ?? 0 };
  }

  /** Rows as objects keyed by column name, for code that reads better that way. */
  async rows<T extends Record<string, unknown>>(query: string): Promise<T[]> {
    const result = await this.exec(query);
    return result.dataset.map((row) =>
      Object.fromEntries(result.columns.map((column, i) => [column.name, row[i]])),
    ) as T[];
  }

  async healthy(): Promise<boolean> {
    try {
      await this.exec("SELECT 1", { timeoutMs: 2000 });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A sender that only sends when told to: the caller acks its messages after `flush()` resolves.
   * A failed flush throws a `QuestDbError` carrying QuestDB's HTTP status (undefined when QuestDB
   * did not answer), so callers tell "wait for QuestDB" from "QuestDB refused these rows" by type.
   */
  async sender({ requestTimeoutMs = 10_000 } = {}): Promise<Sender> {
    const options = await SenderOptions.fromConfig(`http::addr=${this.url.host};auto_flush=off;`);
    return new StatusSender(options, new URL("/write?precision=n", this.url), this.headers, requestTimeoutMs);
  }
}

/**
 * The client builds ILP rows well but reports a refused write only as text ("statusCode=400" inside
 * the message) and retries 5xx internally. This flush posts the same bytes itself, once, so the
 * status stays a number and the retry policy stays with the caller (the consumer naks with back-off).
 */
class StatusSender extends Sender {
  readonly #target: URL;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(options: SenderOptions, target: URL, headers: Record<string, string>, timeoutMs: number) {
    super(options);
    // The same private buffer `flush` reads below.
    writeWholeWhenPlain((this as unknown as { buffer: EscapingBuffer }).buffer);
    this.#target = target;
    this.#headers = headers;
    this.#timeoutMs = timeoutMs;
  }

  override async flush(): Promise<boolean> {
    // The rows sit in the Sender's buffer, which its typings keep private; `toBufferNew` is the
    // same call the client's own flush makes (copy the finished rows, compact the buffer).
    const rows = (this as unknown as { buffer: SenderBuffer }).buffer.toBufferNew();
    if (!rows) return false;
    let response: Response;
    try {
      response = await fetch(this.#target, {
        method: "POST",
        headers: this.#headers,
        body: rows,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new QuestDbError(
        `QuestDB unreachable at ${this.#target.origin}: ${String(err)}`,
        undefined,
        "ILP write",
      );
    }
    const answer = await response.text().catch(() => "");
    if (response.status !== 204)
      throw new QuestDbError(
        `QuestDB refused the write (${response.status}): ${answer.slice(0, 500)}`,
        response.status,
        "ILP write",
      );
    return true;
  }
}

/** Quotes a string for a QuestDB SQL literal. /exec has no bind parameters, so every value goes through here. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Microseconds since the epoch, QuestDB's timestamp unit, from an ISO instant. */
export function toMicros(iso: string): bigint {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an instant: ${iso}`);
  return BigInt(ms) * 1000n;
}

/**
 * Waits until QuestDB has applied every committed WAL transaction of `tables`, so a reader sees what
 * an earlier writer (e.g. a processor that crashed after its last flush) already committed.
 * Returns false when that took longer than `timeoutMs`; a suspended table is an error worth raising.
 */
export async function walApplied(
  db: QuestDb,
  tables: readonly string[],
  timeoutMs = 30_000,
): Promise<boolean> {
  const names = tables.map(sqlString).join(",");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await db.exec<[string, boolean, number, number]>(
      `SELECT name, suspended, writerTxn, sequencerTxn FROM wal_tables() WHERE name IN (${names})`,
    );
    // A name QuestDB does not know (a typo, a table not created yet) has no row: never "applied".
    const missing = tables.filter((table) => !result.dataset.some(([name]) => name === table));
    if (missing.length) throw new Error(`no WAL table named ${missing.join(", ")} in QuestDB`);
    const suspended = result.dataset.filter(([, isSuspended]) => isSuspended).map(([name]) => name);
    if (suspended.length)
      throw new Error(`QuestDB suspended WAL tables: ${suspended.join(", ")} (see wal_tables())`);
    if (result.dataset.every(([, , writer, sequencer]) => writer >= sequencer)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until QuestDB's materialized `views` reflect every write their base tables had committed
 * when this was called: the bases' WAL applied first, then each view refreshed up to its base's
 * transaction and its own rows applied. Returns false when that took longer than `timeoutMs`; a
 * view QuestDB invalidated (its base altered, dropped or truncated) is an error, with QuestDB's reason.
 */
export async function viewsRefreshed(
  db: QuestDb,
  views: readonly string[],
  timeoutMs = 30_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const query = `SELECT view_name, base_table_name, view_status, invalidation_reason, refresh_base_table_txn, base_table_txn
    FROM materialized_views() WHERE view_name IN (${views.map(sqlString).join(",")})`;
  const read = async () =>
    (await db.exec<[string, string, string, string | null, number, number]>(query)).dataset;
  const first = await read();
  const missing = views.filter((view) => !first.some(([name]) => name === view));
  if (missing.length)
    throw new QuestDbError(`no materialized view named ${missing.join(", ")}`, undefined, query);
  if (!(await walApplied(db, [...new Set(first.map(([, base]) => base))], timeoutMs))) return false;
  for (;;) {
    const rows = await read();
    const invalid = rows.filter(([, , status]) => status === "invalid");
    if (invalid.length)
      throw new QuestDbError(
        `QuestDB invalidated ${invalid.map(([name, , , reason]) => `${name} (${reason ?? "no reason given"})`).join(", ")}`,
        undefined,
        query,
      );
    if (rows.every(([, , , , refreshed, base]) => refreshed >= base)) break;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return walApplied(db, views, Math.max(0, deadline - Date.now()));
}
