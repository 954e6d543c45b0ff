/** A bulk export's objects: roots in file order, and each root's children by its id. */
export interface BulkObjects {
  roots: unknown[];
  children: Map<string, unknown[]>;
}

/** No object of an order export comes near this; a longer line is a broken or hostile file. */
export const MAX_BULK_LINE_CHARS = 1024 * 1024;

export class BulkLineTooLong extends Error {
  readonly line: number;
  constructor(line: number, max: number) {
    super(`bulk result line ${line} is longer than ${max} characters`);
    this.name = "BulkLineTooLong";
    this.line = line;
  }
}

/**
 * Reads a bulk operation's JSONL as it downloads, line by line, never holding the file's text:
 * only the parsed objects are kept, because ungrouped output does not put a root's children
 * (lines with `__parentId`) right after it, so none can be published before the file ends.
 */
export async function readJsonlStream(
  body: ReadableStream<Uint8Array> | null,
  maxLineChars = MAX_BULK_LINE_CHARS,
): Promise<BulkObjects> {
  const objects: BulkObjects = { roots: [], children: new Map() };
  if (!body) return objects;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  let lineNo = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      pending += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let end: number;
      while ((end = pending.indexOf("\n")) >= 0) {
        addLine(objects, pending.slice(0, end), ++lineNo);
        pending = pending.slice(end + 1);
      }
      if (done) break;
      if (pending.length > maxLineChars) throw new BulkLineTooLong(lineNo + 1, maxLineChars);
    }
  } catch (err) {
    // Stops the download: nothing after a bad line is read.
    await reader.cancel(err);
    throw err;
  }
  addLine(objects, pending, lineNo + 1);
  return objects;
}

function addLine(objects: BulkObjects, line: string, lineNo: number): void {
  if (!line.trim()) return;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(line) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`bulk result line ${lineNo} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const parent = value.__parentId;
  if (typeof parent !== "string") {
    objects.roots.push(value);
    return;
  }
  const list = objects.children.get(parent);
  if (list) list.push(value);
  else objects.children.set(parent, [value]);
}
