import { Sender, SenderOptions } from "@questdb/nodejs-client";
import { describe, expect, it } from "vitest";
import { writeWholeWhenPlain, type EscapingBuffer } from "./ilp-escape.ts";

interface RowBuffer extends EscapingBuffer {
  toBufferView(): Buffer | null;
}

async function sender(whole: boolean) {
  // No server is asked: protocol 1 is given, and nothing is flushed. At 1 µs, protocol 1 writes 1000 ns.
  const options = await SenderOptions.fromConfig("http::addr=127.0.0.1:9;auto_flush=off;protocol_version=1;");
  const s = new Sender(options);
  const buffer = (s as unknown as { buffer: RowBuffer }).buffer;
  if (whole) writeWholeWhenPlain(buffer);
  return { s, bytes: () => buffer.toBufferView()?.toString("utf8") ?? "" };
}

async function row(whole: boolean, symbol: string, text: string) {
  const { s, bytes } = await sender(whole);
  await s.table("t").symbol("sym", symbol).stringColumn("text", text).at(1n, "us");
  return bytes();
}

describe("writeWholeWhenPlain", () => {
  it("writes plain values as the client does", async () => {
    expect(await row(true, "shop.myshopify.com", "ord-1 – 2×")).toBe(
      't,sym=shop.myshopify.com text="ord-1 – 2×" 1000\n',
    );
  });

  it("writes a plain value in one call, not one per character", async () => {
    const { s } = await sender(true);
    const buffer = (s as unknown as { buffer: RowBuffer }).buffer;
    const written: string[] = [];
    const write = buffer.write.bind(buffer);
    buffer.write = (data: string) => {
      written.push(data);
      write(data);
    };
    buffer.writeEscaped("bench-backlog.myshopify.com", false);
    buffer.writeEscaped("a b", false);
    expect(written).toEqual(["bench-backlog.myshopify.com", "a", "\\", " ", "b"]);
  });

  it("leaves values that need escaping to the client's escaper, byte for byte", async () => {
    const values = [
      "",
      "plain",
      "a b",
      "a,b=c",
      'say "hi"',
      "line\nbreak\r",
      "back\\slash",
      "snow ☃ and 🛒",
      "lone \ud800 surrogate",
      ' ,="\n\r\\',
    ];
    for (const symbol of values)
      for (const text of values) expect(await row(true, symbol, text)).toBe(await row(false, symbol, text));
  });
});
