import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/**
 * BigCommerce's `signed_payload_jwt` (load, uninstall and remove_user callbacks): an HS256 JWT signed
 * with the app's client secret. Verified here in a few lines rather than with a library the project
 * doesn't declare: HS256 only (no `none`, no algorithm taken from the token's word), the signature
 * compared in constant time, then the claims BigCommerce documents.
 */

export class InvalidSignedPayload extends Error {
  constructor(reason: string) {
    super(`signed_payload_jwt refused: ${reason}`);
    this.name = "InvalidSignedPayload";
  }
}

const Header = z.object({ alg: z.literal("HS256") });

/**
 * The claims we use. `user` and `owner` (ids and emails of people) are left out on purpose: the
 * schema drops them, so they never reach a log or a store.
 */
export const BcSignedPayload = z.object({
  aud: z.string(),
  iss: z.literal("bc"),
  iat: z.number(),
  nbf: z.number().optional(),
  exp: z.number(),
  sub: z.string().regex(/^stores\/[a-z0-9]+$/, "sub must be stores/<hash>"),
});
export type BcSignedPayload = z.infer<typeof BcSignedPayload>;

/** Clocks differ a little between BigCommerce and us. */
const SKEW_SECONDS = 60;

function decodeJson(part: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw new InvalidSignedPayload(`${what} is not base64url JSON`);
  }
}

/** The verified claims of a signed payload for the app `clientId`, or InvalidSignedPayload. */
export function verifySignedPayload(
  jwt: string | undefined,
  app: { clientId: string; clientSecret: string },
  now = Date.now(),
): BcSignedPayload & { storeHash: string } {
  if (!jwt) throw new InvalidSignedPayload("missing");
  const parts = jwt.split(".");
  if (parts.length !== 3) throw new InvalidSignedPayload("not a JWT");
  const [head, body, signature] = parts as [string, string, string];
  if (!Header.safeParse(decodeJson(head, "header")).success)
    throw new InvalidSignedPayload("algorithm is not HS256");
  const expected = createHmac("sha256", app.clientSecret).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, "base64url");
  // Unequal lengths are garbage, and timingSafeEqual needs equal ones; nothing about the key leaks.
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new InvalidSignedPayload("bad signature");
  const parsed = BcSignedPayload.safeParse(decodeJson(body, "payload"));
  if (!parsed.success)
    throw new InvalidSignedPayload(
      `claims: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
    );
  const claims = parsed.data;
  const seconds = now / 1000;
  if (claims.aud !== app.clientId) throw new InvalidSignedPayload("issued for another app");
  if (claims.exp < seconds - SKEW_SECONDS) throw new InvalidSignedPayload("expired");
  if (claims.iat > seconds + SKEW_SECONDS || (claims.nbf ?? claims.iat) > seconds + SKEW_SECONDS)
    throw new InvalidSignedPayload("not valid yet");
  return { ...claims, storeHash: claims.sub.slice("stores/".length) };
}
