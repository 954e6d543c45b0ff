import { describe, expect, it } from "vitest";
import { BulkLineTooLong, readJsonlStream } from "./bulk-jsonl.ts";

/** The text as a download delivers it: in chunks of `size` characters, cutting lines anywhere. */
function chunked(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, (at += size)));
    },
  });
}

describe("bulk JSONL, read as it downloads", () => {
  const text = [
    `{"id":"gid://shopify/Order/1","name":"Café ☕"}`,
    `{"id":"gid://shopify/Order/2"}`,
    `{"id":"gid://shopify/LineItem/20","__parentId":"gid://shopify/Order/2"}`,
    `{"id":"gid://shopify/LineItem/10","__parentId":"gid://shopify/Order/1"}`,
    `{"id":"gid://shopify/LineItem/11","__parentId":"gid://shopify/Order/1"}`,
    "",
  ].join("\n");

  it("keeps roots in file order and finds children wherever ungrouped output puts them, however the chunks cut", async () => {
    for (const size of [1, 3, 7, text.length]) {
      const { roots, children } = await readJsonlStream(chunked(text, size));
      expect(roots, `chunks of ${size}`).toEqual([
        { id: "gid://shopify/Order/1", name: "Café ☕" },
        { id: "gid://shopify/Order/2" },
      ]);
      expect(children.get("gid://shopify/Order/1")?.map((c) => (c as { id: string }).id)).toEqual([
        "gid://shopify/LineItem/10",
        "gid://shopify/LineItem/11",
      ]);
      expect(children.get("gid://shopify/Order/2")).toHaveLength(1);
    }
  });

  it("reads a last line without a newline, and an empty body", async () => {
    expect((await readJsonlStream(chunked(`{"id":"a"}`, 4))).roots).toEqual([{ id: "a" }]);
    expect((await readJsonlStream(null)).roots).toEqual([]);
  });

  it("names the line that is not JSON", async () => {
    await expect(readJsonlStream(chunked(`{"id":"a"}\n{oops`, 5))).rejects.toThrow(/line 2 is not JSON/);
  });

  it("stops a line that never ends at the bound, without downloading the rest", async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new TextEncoder().encode("x".repeat(64 * 1024)));
      },
    });
    await expect(readJsonlStream(endless, 1024 * 1024)).rejects.toBeInstanceOf(BulkLineTooLong);
    expect(pulled).toBeLessThan(20);
  });
});
