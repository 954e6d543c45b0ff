import { rootCertificates } from "node:tls";
import { X509Certificate } from "node:crypto";

/**
 * PayPal signs each webhook with the key of a certificate it names in `PAYPAL-CERT-URL`. That URL is
 * in the request, so anyone could name their own: we fetch only from PayPal's API hosts (or the one
 * base a test or proxy sets), cache by URL so a certificate is fetched once, and trust it only when
 * its chain ends at a trusted root and every certificate in it is within its validity dates.
 */

export const PAYPAL_CERT_HOSTS = [
  "api.paypal.com",
  "api-m.paypal.com",
  "api.sandbox.paypal.com",
  "api-m.sandbox.paypal.com",
];
const CERT_PATH = "/v1/notifications/certs/";
const MAX_URL = 512;
const MAX_BYTES = 64 * 1024;

export class CertificateRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CertificateRefused";
  }
}

export interface CertificateOptions {
  /** Replaces PayPal's hosts: the only origin certificates come from (a fake, a proxy). */
  baseUrl?: string | undefined;
  /** Extra trusted roots in PEM (a fake's own CA); Node's bundled roots are always trusted. */
  extraRoots?: string | undefined;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => Date;
}

/** Is `url` one we may fetch a certificate from? Checked before any network call. */
export function certUrlAllowed(url: string, baseUrl: string | undefined): boolean {
  if (url.length > MAX_URL) return false;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.username || target.password || target.search || target.hash) return false;
  if (baseUrl) {
    const base = new URL(baseUrl);
    return target.origin === base.origin && target.pathname.startsWith(CERT_PATH);
  }
  return (
    target.protocol === "https:" &&
    PAYPAL_CERT_HOSTS.includes(target.hostname) &&
    target.port === "" &&
    target.pathname.startsWith(CERT_PATH)
  );
}

/** Splits a PEM bundle (leaf first, then its issuers, as PayPal serves it). */
function parseChain(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (!blocks.length || blocks.length > 5) throw new CertificateRefused("expected 1–5 PEM certificates");
  return blocks.map((block) => new X509Certificate(block));
}

function within(cert: X509Certificate, now: Date): boolean {
  return Date.parse(cert.validFrom) <= now.getTime() && now.getTime() <= Date.parse(cert.validTo);
}

export class PayPalCertificates {
  private readonly cache = new Map<string, Promise<X509Certificate>>();
  private readonly roots: X509Certificate[];
  private readonly options: CertificateOptions;

  constructor(options: CertificateOptions = {}) {
    this.options = options;
    const pems = [...rootCertificates, ...(options.extraRoots ? [options.extraRoots] : [])];
    this.roots = pems.flatMap((pem) => {
      try {
        return parseChain(pem);
      } catch {
        // Node's bundle holds a few roots X509Certificate can't read; they can't anchor a chain then.
        return [];
      }
    });
  }

  /** The leaf certificate at `url`, fetched once and checked; throws CertificateRefused otherwise. */
  async get(url: string): Promise<X509Certificate> {
    if (!certUrlAllowed(url, this.options.baseUrl))
      throw new CertificateRefused(`certificate URL not allowed: ${url}`);
    let cert = this.cache.get(url);
    if (!cert) {
      cert = this.fetchChecked(url);
      this.cache.set(url, cert);
      // A failed fetch is not remembered, so PayPal's retry can succeed; a success is kept.
      cert.catch(() => this.cache.delete(url));
      if (this.cache.size > 64) this.cache.delete(this.cache.keys().next().value!);
    }
    const leaf = await cert;
    // Checked again on every use: a cached certificate expires like any other.
    if (!within(leaf, this.now())) throw new CertificateRefused("certificate outside its validity dates");
    return leaf;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private async fetchChecked(url: string): Promise<X509Certificate> {
    const doFetch = this.options.fetch ?? fetch;
    const response = await doFetch(url, {
      redirect: "manual",
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 3000),
    }).catch((err: unknown) => {
      throw new CertificateRefused(`certificate fetch failed: ${String(err)}`);
    });
    if (response.status !== 200)
      throw new CertificateRefused(`certificate fetch answered ${response.status}`);
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > MAX_BYTES) throw new CertificateRefused("certificate too large");
    const body = await response.arrayBuffer();
    if (body.byteLength > MAX_BYTES) throw new CertificateRefused("certificate too large");
    let chain: X509Certificate[];
    try {
      chain = parseChain(Buffer.from(body).toString("utf8"));
    } catch (err) {
      if (err instanceof CertificateRefused) throw err;
      throw new CertificateRefused(`not a certificate: ${String(err)}`);
    }
    this.checkChain(chain);
    return chain[0]!;
  }

  private checkChain(chain: X509Certificate[]): void {
    const now = this.now();
    for (const cert of chain) {
      if (!within(cert, now))
        throw new CertificateRefused(`certificate ${cert.subject} outside its validity dates`);
    }
    for (let i = 0; i + 1 < chain.length; i++) {
      const issuer = chain[i + 1]!;
      if (!issuer.ca || !chain[i]!.checkIssued(issuer) || !chain[i]!.verify(issuer.publicKey))
        throw new CertificateRefused(`certificate ${chain[i]!.subject} not issued by the next in the chain`);
    }
    const last = chain.at(-1)!;
    const anchored = this.roots.some(
      (root) => within(root, now) && last.checkIssued(root) && last.verify(root.publicKey),
    );
    if (!anchored) throw new CertificateRefused("certificate chain does not end at a trusted root");
  }
}
