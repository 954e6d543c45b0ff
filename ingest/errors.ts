/** Ingest's routes import the one error shape from here; it lives in core/http-error.ts, shared by every service. */
export { jsonError } from "../core/http-error.ts";
