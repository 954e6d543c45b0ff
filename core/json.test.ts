import { expect, it } from "vitest";
import { parseJsonExact } from "./json.ts";

it("keeps ids above 2^53 exact and leaves other numbers alone", () => {
  const parsed = parseJsonExact(
    '{"id":820982911946154508,"small":450789469,"price":1.5,"neg":-9007199254740993}',
  );
  expect(parsed).toEqual({
    id: "820982911946154508",
    small: 450789469,
    price: 1.5,
    neg: "-9007199254740993",
  });
});

it("throws on malformed JSON", () => {
  expect(() => parseJsonExact('{"id":')).toThrow(SyntaxError);
});

/** The reviver applied to every text: what parseJsonExact must equal, fast path or not. */
function alwaysRevived(text: string): unknown {
  return JSON.parse(text, function (_key, value, context?: { source?: string }) {
    if (
      typeof value === "number" &&
      !Number.isSafeInteger(value) &&
      context?.source &&
      /^-?\d+$/.test(context.source)
    )
      return context.source;
    return value;
  });
}

it("gives the same result as the reviver on every path (digit runs in strings, floats, arrays, whitespace)", () => {
  const texts = [
    "9007199254740993",
    " 12345678901234567 ",
    "-12345678901234567",
    "[1,2,12345678901234567]",
    "[ 12345678901234567 ]",
    '{"a" : \n 12345678901234567\n}',
    '{"a":1234567890123456}', // 16 digits, safe: stays a number
    '{"a":9999999999999999}', // 16 digits, unsafe: kept as text
    '{"a":123456789012345}', // 15 digits
    '{"a":"12345678901234567890","b":1}', // a long digit run inside a string
    '{"a":"x:12345678901234567,"}',
    '{"a":1.2345678901234567e30,"b":12345678901234567.5}', // not integer literals
    '{"a":1e21}',
    '{"ids":[6000000000001,16000000000010],"t":"2026-11-25T10:00:00-05:00","p":"19.99"}',
  ];
  for (const text of texts) expect(parseJsonExact(text), text).toEqual(alwaysRevived(text));
});
