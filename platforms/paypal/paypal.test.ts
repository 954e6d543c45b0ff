import { describe, expect, it } from "vitest";
import { makeCertificates } from "../../test/fakes/paypal/paypal.ts";
import { CertificateRefused, certUrlAllowed, PayPalCertificates } from "./certificates.ts";
import { signedMessage } from "./signature.ts";

describe("PayPal certificate URLs", () => {
  it("allow only PayPal's API hosts over https at the certs path, or the one base set", () => {
    const path = "/v1/notifications/certs/CERT-360caa42-fca2a594-ab66f33d";
    expect(certUrlAllowed(`https://api.paypal.com${path}`, undefined)).toBe(true);
    expect(certUrlAllowed(`https://api-m.sandbox.paypal.com${path}`, undefined)).toBe(true);
    expect(certUrlAllowed(`http://api.paypal.com${path}`, undefined)).toBe(false);
    expect(certUrlAllowed(`https://api.paypal.com:8443${path}`, undefined)).toBe(false);
    expect(certUrlAllowed(`https://api.paypal.com.evil.example${path}`, undefined)).toBe(false);
    expect(certUrlAllowed(`https://user@api.paypal.com${path}`, undefined)).toBe(false);
    expect(certUrlAllowed("https://api.paypal.com/v1/other", undefined)).toBe(false);
    expect(certUrlAllowed(`http://127.0.0.1:9${path}`, "http://127.0.0.1:9")).toBe(true);
    expect(certUrlAllowed(`https://api.paypal.com${path}`, "http://127.0.0.1:9")).toBe(false);
  });
});

describe("PayPal certificates", () => {
  const certs = makeCertificates();
  const serving = (pem: string) => (async () => new Response(pem, { status: 200 })) as typeof fetch;
  const url = "https://api.paypal.com/v1/notifications/certs/CERT-1";

  it("trust a leaf whose chain ends at a trusted root, within its dates", async () => {
    const store = new PayPalCertificates({ extraRoots: certs.caPem, fetch: serving(certs.leafPem) });
    expect((await store.get(url)).subject).toContain("messageverificationcerts.paypal.com");
  });

  it("refuse one outside its validity dates, even once cached", async () => {
    let now = new Date();
    const store = new PayPalCertificates({
      extraRoots: certs.caPem,
      fetch: serving(certs.leafPem),
      now: () => now,
    });
    await store.get(url);
    now = new Date(Date.now() + 3 * 86_400_000);
    await expect(store.get(url)).rejects.toBeInstanceOf(CertificateRefused);
  });

  it("refuse one no trusted root issued, and an answer that is not a certificate", async () => {
    await expect(new PayPalCertificates({ fetch: serving(certs.leafPem) }).get(url)).rejects.toBeInstanceOf(
      CertificateRefused,
    );
    const garbage = new PayPalCertificates({ extraRoots: certs.caPem, fetch: serving("hello") });
    await expect(garbage.get(url)).rejects.toBeInstanceOf(CertificateRefused);
  });
});

describe("the signed message", () => {
  it("ends in the body's CRC32 as an unsigned decimal", () => {
    // CRC32 of "123456789" is 0xCBF43926 = 3421780262, the check value of the IEEE polynomial.
    expect(signedMessage("id-1", "2026-12-01T10:00:00Z", "WH1", Buffer.from("123456789"))).toBe(
      "id-1|2026-12-01T10:00:00Z|WH1|3421780262",
    );
  });
});
