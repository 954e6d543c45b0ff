/**
 * JSON.parse that keeps integers beyond 2^53 exact: Shopify ids such as 820982911946154508 would
 * otherwise silently round. Uses the reviver's source text (ES2025 JSON.parse source access, Node ≥ 21),
 * so the body is still parsed once.
 */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, keepBigIntegers);
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
