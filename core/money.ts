/**
 * Money is kept as integer minor units of a currency (cents, yen, fils). Platforms send decimal
 * strings; converting through a float would turn "0.29" into 28.999… cents, so this works on the digits.
 */

import { NON_TWO_DECIMAL } from "./currencies.ts";

const exponentCache = new Map<string, number>();

/** ISO 4217 minor-unit exponent (USD 2, JPY 0, KWD 3): the table first, then ICU for codes it lists. */
export function currencyExponent(currency: string): number {
  const code = currency.toUpperCase();
  let exponent = exponentCache.get(code);
  if (exponent === undefined) {
    if (!/^[A-Z]{3}$/.test(code)) throw new RangeError(`not an ISO 4217 currency code: "${currency}"`);
    exponent =
      NON_TWO_DECIMAL[code] ??
      (new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions()
        .maximumFractionDigits as number);
    exponentCache.set(code, exponent);
  }
  return exponent;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** "19.99" USD → 1999; "1500" JPY → 1500; "1.250" KWD → 1250. Refuses digits the currency can't hold. */
export function toMinorUnits(amount: string | number, currency: string): number {
  const text = typeof amount === "number" ? String(amount) : amount.trim();
  const match = DECIMAL.exec(text);
  if (!match) throw new RangeError(`not a decimal amount: "${text}" (${currency})`);
  const [, sign, whole = "", fraction = ""] = match;
  const exponent = currencyExponent(currency);
  const kept = fraction.slice(0, exponent).padEnd(exponent, "0");
  if (/[1-9]/.test(fraction.slice(exponent))) {
    throw new RangeError(`${text} has more decimals than ${currency} allows (${exponent})`);
  }
  const minor = Number(whole + kept);
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount out of range: ${text} ${currency}`);
  return sign && minor !== 0 ? -minor : minor;
}
