import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";

/**
 * The one JSON shape every service answers an error with, `{ error: { code, message, ... } }`: a
 * platform's delivery log, a script or a page reads `error.code` to decide and `error.message` to
 * show, whichever service answered. Details beside the two (the `field` at fault, the `step` that
 * failed, a rule's `problems`) say more without changing the shape.
 */
export const HttpErrorBody = z
  .object({
    error: z.looseObject({ code: z.string().regex(/^[a-z][a-z0-9_]*$/), message: z.string().min(1) }),
  })
  .strict();
export type HttpErrorBody = z.infer<typeof HttpErrorBody>;

/** What an error may carry besides its code and message; those two are the helper's own. */
export type ErrorDetails = Record<string, unknown> & { code?: never; message?: never };

/**
 * The body alone, for the places that build a response themselves.
 *
 * @example errorBody("not_found", "no rule r1") // { error: { code: "not_found", message: "no rule r1" } }
 */
export function errorBody(code: string, message: string, details: ErrorDetails = {}): HttpErrorBody {
  return { error: { code, message, ...details } };
}

/**
 * An error response in the one shape. `details` is the field at fault (a string, as ingest names
 * it) or an object of details.
 *
 * @example return jsonError(c, 404, "not_connected", `store ${shop} is not connected`);
 * @example return jsonError(c, 400, "invalid_beacon", "site: required", "site");
 */
export function jsonError(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  details?: string | ErrorDetails,
) {
  const extra = typeof details === "string" ? { field: details } : (details ?? {});
  return c.json(errorBody(code, message, extra), status);
}
