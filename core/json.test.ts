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
