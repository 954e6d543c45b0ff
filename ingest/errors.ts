import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** One JSON shape for every error ingest returns, so a platform's delivery log shows what went wrong. */
export function jsonError(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  field?: string,
) {
  return c.json({ error: { code, message, ...(field ? { field } : {}) } }, status);
}
