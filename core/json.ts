/**
 * JSON.parse that keeps integers beyond 2^53 exact: Shopify ids such as 820982911946154508 would
 * otherwise silently round. Uses the reviver's source text (ES2025 JSON.parse source access, Node ≥ 21),
 * so the body is still parsed once.
 *
 * A reviver makes V8 parse about six times slower (≈ 210 µs instead of 35 µs for a 9 KB Shopify
 * order, measured with `--cpu-prof` under load). The reviver only ever changes a number that is an
 * integer beyond 2^53, so the text is parsed plainly first and the reviver runs only when the result
 * holds such a number (today's Shopify ids have 13–14 digits: never). Walking the parsed value costs
 * ≈ 15 µs for a 9 KB order; the regular-expression pre-check this replaces cost about as much as the
 * parse itself (≈ 6 % of ingest's CPU in the profile).
 */
export function parseJsonExact(text: string): unknown {
  const plain: unknown = JSON.parse(text);
  return holdsUnsafeInteger(plain) ? JSON.parse(text, keepBigIntegers) : plain;
}

function holdsUnsafeInteger(value: unknown): boolean {
  if (typeof value === "number") return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (holdsUnsafeInteger(item)) return true;
    return false;
  }
  for (const key in value) if (holdsUnsafeInteger((value as Record<string, unknown>)[key])) return true;
  return false;
}

function keepBigIntegers(
  this: unknown,
  _key: string,
  value: unknown,
  context?: { source?: string },
): unknown {
  if (
    typeof value === "number" &&
    !Number.isSafeInteger(value) &&
    context?.source &&
    /^-?\d+$/.test(context.source)
  ) {
    return context.source;
  }
  return value;
}
