import { currencyExponent } from "../core/money.ts";

/**
 * Minor units as the decimal string a platform prints: the currency's own decimals ("12.34" EUR,
 * "1234" JPY), or a fixed number of places where the platform pads (BigCommerce V2: "12.3400").
 * Integer arithmetic only, so the string is exact.
 */
export function decimalString(minor: number, currency: string, places = currencyExponent(currency)): string {
  const exponent = currencyExponent(currency);
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  const unit = 10 ** exponent;
  const whole = Math.floor(abs / unit);
  const fraction = exponent ? String(abs % unit).padStart(exponent, "0") : "";
  const padded = fraction.padEnd(places, "0");
  return padded ? `${sign}${whole}.${padded}` : `${sign}${whole}`;
}

/** Minor units as a JSON number in major units (BigCommerce V3 refunds, WooCommerce line prices). */
export function majorNumber(minor: number, currency: string): number {
  return minor / 10 ** currencyExponent(currency);
}
