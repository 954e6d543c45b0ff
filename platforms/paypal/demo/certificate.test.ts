import { describe, expect, it } from "vitest";
import { X509Certificate } from "node:crypto";
import { makeDemoCertificates, serialNumber } from "./certificate.ts";

describe("the demo PayPal certificates", () => {
  it("draw serials that are positive, minimal DER INTEGERs every time", () => {
    for (let i = 0; i < 20_000; i++) {
      const first = serialNumber()[0]!;
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThan(0x80);
    }
  });

  it("make a leaf the CA verifiably issued", () => {
    const made = makeDemoCertificates(1);
    const ca = new X509Certificate(made.caPem);
    const leaf = new X509Certificate(
      made.chainPem.slice(0, made.chainPem.indexOf("-----END CERTIFICATE-----") + 25),
    );
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(ca.ca).toBe(true);
  });
});
