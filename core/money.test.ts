import { describe, expect, it } from "vitest";
import { currencyExponent, toMinorUnits } from "./money.ts";

describe("toMinorUnits", () => {
  it("uses each currency's own exponent", () => {
    expect(currencyExponent("USD")).toBe(2);
    expect(currencyExponent("jpy")).toBe(0);
    expect(currencyExponent("KWD")).toBe(3);
  });

  it("converts decimal strings exactly, where floats would not", () => {
    expect(toMinorUnits("0.29", "USD")).toBe(29); // 0.29 * 100 === 28.999999999999996
    expect(toMinorUnits("19.99", "USD")).toBe(1999);
    expect(toMinorUnits("1234567.1", "EUR")).toBe(123456710);
    expect(toMinorUnits("1500", "JPY")).toBe(1500);
    expect(toMinorUnits("1500.00", "JPY")).toBe(1500);
    expect(toMinorUnits("1.250", "KWD")).toBe(1250);
    expect(toMinorUnits("-5.50", "USD")).toBe(-550);
    expect(toMinorUnits("0.00", "USD")).toBe(0);
  });

  it("refuses what it cannot represent", () => {
    expect(() => toMinorUnits("1.005", "USD")).toThrow(/more decimals/);
    expect(() => toMinorUnits("12,50", "EUR")).toThrow(/not a decimal/);
    expect(() => toMinorUnits("1e3", "USD")).toThrow(/not a decimal/);
    expect(() => toMinorUnits("1", "DOLLARS")).toThrow(/ISO 4217/);
  });
});

describe("the minor-unit table", () => {
  it("gives the standard's exponent where ICU gives the practical one", () => {
    expect(currencyExponent("IQD")).toBe(3);
    expect(currencyExponent("BHD")).toBe(3);
    expect(currencyExponent("CLF")).toBe(4);
    expect(currencyExponent("VND")).toBe(0);
    expect(currencyExponent("EUR")).toBe(2);
  });

  it("converts three-decimal and zero-decimal decimal strings without floats", () => {
    expect(toMinorUnits("12.345", "BHD")).toBe(12345);
    expect(toMinorUnits("0.001", "KWD")).toBe(1);
    expect(() => toMinorUnits("1.5", "JPY")).toThrow(/more decimals/);
  });
});
