import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

/** A request's headers and raw body, read without building a WHATWG Request. */
export interface RawRequest {
  header(name: string): string | undefined;
  /** The body's exact bytes, or `undefined` when it is longer than the limit. */
  body(): Promise<Buffer | undefined>;
}

/**
 * Under @hono/node-server `c.env.incoming` is Node's IncomingMessage. Reading headers and body from
 * it directly skips the WHATWG `Request` and `Headers` that `c.req.header()` and hono's body limit
 * would build for every webhook: ≈ 15 % of ingest's CPU in the profile (undici `Request`,
 * `HeadersInit`, the ReadableStream). Elsewhere (`app.request()` in tests) the standard request
 * is read the same way, with the same limit.
 */
export function rawRequest(c: Context, maxBytes: number): RawRequest {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming) {
    return {
      header: (name) => {
        const value = incoming.headers[name.toLowerCase()];
        return Array.isArray(value) ? value.join(", ") : value;
      },
      body: () => readBounded(incoming, declaredLength(incoming.headers["content-length"]), maxBytes),
    };
  }
  return {
    header: (name) => c.req.header(name),
    body: () =>
      c.req.raw.body
        ? readBounded(c.req.raw.body, declaredLength(c.req.header("content-length")), maxBytes)
        : Promise.resolve(Buffer.alloc(0)),
  };
}

const declaredLength = (value: string | undefined) =>
  value && /^\d+$/.test(value) ? Number(value) : undefined;

/** Reads at most `maxBytes`; a declared length over it is refused before reading anything. */
async function readBounded(
  source: AsyncIterable<Uint8Array>,
  declared: number | undefined,
  maxBytes: number,
): Promise<Buffer | undefined> {
  if (declared !== undefined && declared > maxBytes) return undefined;
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of source) {
    length += chunk.byteLength;
    // The rest is left unread; the server drains or closes the connection.
    if (length > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return chunks.length === 1
    ? Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, length)
    : Buffer.concat(chunks, length);
}
