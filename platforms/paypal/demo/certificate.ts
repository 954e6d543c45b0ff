import {
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from "node:crypto";

/**
 * The demo PayPal account's signing certificate and the CA that issued it, made per run with
 * node:crypto alone (the slim Node image has no openssl command): X.509 v3 in DER (RFC 5280),
 * RSA-2048 keys, sha256WithRSAEncryption, the CA marked `CA:TRUE` with `keyCertSign`. Ingest trusts
 * the CA through `PAYPAL_CERT_CA` and checks the leaf's chain as it checks PayPal's.
 */

const tlv = (tag: number, body: Buffer): Buffer => {
  const n = body.length;
  const len =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
};
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split(".").map(Number) as [number, number, ...number[]];
  const bytes = [40 * a + b];
  for (const v of rest) {
    const chunk = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) chunk.unshift((x & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
};
const NULL = Buffer.from([0x05, 0x00]);
const TRUE = Buffer.from([0x01, 0x01, 0xff]);
const SHA256_RSA = seq(oid("1.2.840.113549.1.1.11"), NULL);

const name = (cn: string) => seq(tlv(0x31, seq(oid("2.5.4.3"), tlv(0x0c, Buffer.from(cn, "utf8")))));

/** UTCTime `YYMMDDHHMMSSZ` (RFC 5280 up to 2049). */
const time = (at: Date) => tlv(0x17, Buffer.from(at.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z"));

function extensions(ca: boolean): Buffer {
  const basic = seq(oid("2.5.29.19"), TRUE, tlv(0x04, ca ? seq(TRUE) : seq()));
  // keyUsage: keyCertSign + cRLSign for the CA, digitalSignature for the leaf (a BIT STRING).
  const usage = ca ? Buffer.from([0x03, 0x02, 0x01, 0x06]) : Buffer.from([0x03, 0x02, 0x07, 0x80]);
  const keyUsage = seq(oid("2.5.29.15"), TRUE, tlv(0x04, usage));
  return tlv(0xa3, seq(basic, keyUsage));
}

/**
 * A random 16-byte serial as a DER INTEGER body: positive (top bit clear) and minimal (first byte
 * never zero), since X509Certificate refuses a non-minimal INTEGER and a plain random serial is one
 * in 256 runs.
 */
export function serialNumber(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  return serial;
}

function certificate(o: {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signer: KeyObject;
  ca: boolean;
  from: Date;
  to: Date;
}): string {
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, serialNumber()),
    SHA256_RSA,
    name(o.issuer),
    seq(time(o.from), time(o.to)),
    name(o.subject),
    o.publicKey.export({ type: "spki", format: "der" }),
    extensions(o.ca),
  );
  const signature = sign("sha256", tbs, o.signer);
  const der = seq(tbs, SHA256_RSA, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return new X509Certificate(der).toString();
}

export interface DemoCertificates {
  caPem: string;
  /** The leaf, then the CA: a chain as PayPal serves it. */
  chainPem: string;
  leafKeyPem: string;
}

/** A CA and a leaf it issued, valid from an hour ago for `days`. */
export function makeDemoCertificates(days = 30): DemoCertificates {
  const from = new Date(Date.now() - 3600_000);
  const to = new Date(from.getTime() + days * 86_400_000);
  const ca = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const leaf = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const root = "MetricsDash demo PayPal root";
  const caPem = certificate({
    subject: root,
    issuer: root,
    publicKey: ca.publicKey,
    signer: ca.privateKey,
    ca: true,
    from,
    to,
  });
  const leafPem = certificate({
    subject: "messageverificationcerts.paypal.com",
    issuer: root,
    publicKey: leaf.publicKey,
    signer: ca.privateKey,
    ca: false,
    from,
    to,
  });
  return {
    caPem,
    chainPem: leafPem + caPem,
    leafKeyPem: leaf.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/** The leaf's key, read from the PEM the start command handed over. */
export const signingKey = (pem: string) => createPrivateKey(pem);
