/** A response body that grew past the caller's limit, whatever its headers claimed. */
export class ResponseTooLarge extends Error {
  readonly url: string;
  readonly maxBytes: number;

  constructor(url: string, maxBytes: number) {
    super(`response from ${new URL(url).pathname} exceeds ${maxBytes} bytes`);
    this.name = "ResponseTooLarge";
    this.url = url;
    this.maxBytes = maxBytes;
  }
}

/** Reads at most `maxBytes` of a response as UTF-8, cancelling the stream past that. */
export async function readBoundedText(response: Response, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  if (!reader) return "";
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new ResponseTooLarge(response.url, maxBytes);
    }
    chunks.push(read.value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
