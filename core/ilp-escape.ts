/**
 * The QuestDB client escapes every table name, column name, symbol and string value one character
 * at a time, each character a `Buffer.write` call of its own: in a backlog drain that was the
 * processors' largest cost (18 % of their CPU, most of it in the native UTF-8 writes; see
 * docs/benchmarks.md "Processors in a drain, profiled"). Almost every value needs no escaping at
 * all, so such a value is written in one call; one that does goes through the client's own escaper,
 * so the bytes are the client's either way.
 */

/** The part of the client's (untyped, private) row buffer this touches. */
export interface EscapingBuffer {
  write(data: string): void;
  writeEscaped(data: string, quoted?: boolean): void;
}

/** What the client escapes outside quotes (names, symbols) and inside them (string values). */
const UNQUOTED_SPECIAL = /[ ,=\n\r\\]/;
const QUOTED_SPECIAL = /["\n\r\\]/;

/** Gives `buffer` the one-call path for values that need no escaping. */
export function writeWholeWhenPlain(buffer: EscapingBuffer): void {
  // A client release without these methods would make the patch a silent no-op: say so instead.
  if (typeof buffer.writeEscaped !== "function" || typeof buffer.write !== "function")
    throw new TypeError(
      "the QuestDB client's row buffer has no writeEscaped/write: revisit core/ilp-escape.ts",
    );
  const escapeEachCharacter = buffer.writeEscaped.bind(buffer);
  buffer.writeEscaped = (data: string, quoted = false) => {
    if ((quoted ? QUOTED_SPECIAL : UNQUOTED_SPECIAL).test(data)) escapeEachCharacter(data, quoted);
    else buffer.write(data);
  };
}
