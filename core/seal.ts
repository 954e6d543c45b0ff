import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Access tokens at rest: AES-256-GCM with a random 96-bit nonce per seal, the shop domain as
 * additional authenticated data (a sealed token copied onto another shop's key does not open),
 * versioned so the key or algorithm can be rotated: `v1.<nonce>.<tag>.<ciphertext>` in base64url.
 */

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function parseKey(text: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
  if (key.length !== 32) throw new RangeError("encryption key must be 32 bytes");
  return key;
}

export function seal(key: Buffer, plaintext: string, context: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", nonce, cipher.getAuthTag(), ciphertext]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".");
}

export function open(key: Buffer, sealed: string, context: string): string {
  const [version, nonce, tag, ciphertext] = sealed.split(".");
  if (version !== "v1" || !nonce || !tag || ciphertext === undefined)
    throw new Error("not a sealed value (v1)");
  const nonceBytes = Buffer.from(nonce, "base64url");
  const tagBytes = Buffer.from(tag, "base64url");
  // GCM accepts a tag cut short (down to 4 bytes) and checks only that prefix, which makes forging
  // one a matter of 2^32 tries: ours are always 16 bytes, so nothing shorter opens.
  if (nonceBytes.length !== NONCE_BYTES || tagBytes.length !== TAG_BYTES)
    throw new Error(`sealed value does not open with this key for ${context}: malformed nonce or tag`);
  const decipher = createDecipheriv("aes-256-gcm", key, nonceBytes, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(tagBytes);
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString(
      "utf8",
    );
  } catch (err) {
    throw new Error(`sealed value does not open with this key for ${context}`, { cause: err });
  }
}
