import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { stripeToMinor } from "./amounts.ts";
import { parseStripeSignature, stripeSignatureValid } from "./signature.ts";

const SECRET = "whsec_unit_test_secret_0123456789";
const body = Buffer.from('{"id":"evt_1","object":"event"}');
const sign = (t: number, secret = SECRET) =>
  createHmac("sha256", secret).update(`${t}.${body.toString()}`).digest("hex");

describe("Stripe-Signature", () => {
  const at = 1_764_590_000;
  const options = { secrets: [SECRET], toleranceSeconds: 300, nowSeconds: () => at };

  it("accepts a v1 over <t>.<body> within the tolerance, on either side of it", () => {
    expect(stripeSignatureValid(body, `t=${at},v1=${sign(at)}`, options)).toBe(true);
    expect(stripeSignatureValid(body, `t=${at - 300},v1=${sign(at - 300)}`, options)).toBe(true);
    expect(stripeSignatureValid(body, `t=${at - 301},v1=${sign(at - 301)}`, options)).toBe(false);
    expect(stripeSignatureValid(body, `t=${at + 301},v1=${sign(at + 301)}`, options)).toBe(false);
  });

  it("takes any v1 with any secret, ignores v0, refuses a signature moved to another t", () => {
    const other = "whsec_the_other_secret_0123456789";
    const header = `t=${at},v1=${sign(at, other)},v0=${sign(at)},v1=${sign(at)}`;
    expect(stripeSignatureValid(body, header, options)).toBe(true);
    expect(stripeSignatureValid(body, `t=${at},v0=${sign(at)}`, options)).toBe(false);
    expect(stripeSignatureValid(body, `t=${at + 1},v1=${sign(at)}`, options)).toBe(false);
    expect(
      stripeSignatureValid(body, `t=${at},v1=${sign(at, other)}`, { ...options, secrets: [SECRET, other] }),
    ).toBe(true);
  });

  it("refuses missing, malformed and oversized headers", () => {
    expect(parseStripeSignature(undefined)).toBeNull();
    expect(parseStripeSignature("v1=abc")).toBeNull();
    expect(parseStripeSignature(`t=${at}`)).toBeNull();
    expect(parseStripeSignature(`t=${at},v1=${"0".repeat(63)}`)).toBeNull();
    expect(parseStripeSignature(`t=${at},${`v1=${sign(at)},`.repeat(20)}`)).toBeNull();
  });
});

describe("Stripe amounts", () => {
  it("are ISO minor units, except the two-decimal forms Stripe keeps for ISK and UGX", () => {
    expect(stripeToMinor(2599, "USD")).toBe(2599);
    expect(stripeToMinor(1500, "JPY")).toBe(1500);
    expect(stripeToMinor(12345, "KWD")).toBe(12345);
    expect(stripeToMinor(150_000, "ISK")).toBe(1500); // 1500 kr sent as 150000 hundredths
    expect(() => stripeToMinor(150_050, "ISK")).toThrow(/not a whole number/);
  });
});
