import type { Hono } from "hono";
import type { HtmlEscapedString } from "hono/utils/html";
import type { StoresContext } from "./stores.ts";

/**
 * How a platform's stores connect with their own API keys: a block on the connect page, and the
 * routes that obtain the keys (a platform's authorize endpoint, an app install, a pasted token) and
 * then hand the store to `connectStore` (connect/stores.ts). A new platform is a new flow file and
 * one line in connect/main.ts.
 */
export interface ConnectFlow {
  readonly platform: string;
  /** The platform's block on the connect page (`/`). */
  section(): HtmlEscapedString | Promise<HtmlEscapedString>;
  mount(app: Hono, ctx: StoresContext): void;
}
