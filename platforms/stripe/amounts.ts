import { currencyExponent } from "../../core/money.ts";

/**
 * Stripe amounts are integers in what Stripe calls the smallest unit, which is ISO 4217's minor unit
 * except where Stripe keeps a two-decimal form for compatibility (its "special cases": ISK and UGX
 * are zero-decimal in ISO, sent by Stripe in hundredths that must be whole units).
 */
const STRIPE_ZERO_DECIMAL = new Set([
  "BIF",
  "CLP",
  "DJF",
  "GNF",
  "JPY",
  "KMF",
  "KRW",
  "MGA",
  "PYG",
  "RWF",
  "VND",
  "VUV",
  "XAF",
  "XOF",
  "XPF",
]);
const STRIPE_THREE_DECIMAL = new Set(["BHD", "JOD", "KWD", "OMR", "TND"]);

export function stripeExponent(currency: string): number {
  if (STRIPE_ZERO_DECIMAL.has(currency)) return 0;
  if (STRIPE_THREE_DECIMAL.has(currency)) return 3;
  return 2;
}

export class UnrepresentableAmount extends RangeError {
  constructor(amount: number, currency: string) {
    super(`${amount} ${currency} (Stripe units) is not a whole number of ${currency} minor units`);
    this.name = "UnrepresentableAmount";
  }
}

/** A Stripe integer amount in ISO minor units of `currency` (upper case), exactly or not at all. */
export function stripeToMinor(amount: number, currency: string): number {
  if (!Number.isSafeInteger(amount)) throw new UnrepresentableAmount(amount, currency);
  const shift = stripeExponent(currency) - currencyExponent(currency);
  if (shift === 0) return amount;
  if (shift < 0) return amount * 10 ** -shift;
  const scale = 10 ** shift;
  if (amount % scale !== 0) throw new UnrepresentableAmount(amount, currency);
  return amount / scale;
}
