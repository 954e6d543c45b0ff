import type { Hono } from "hono";
import type { HtmlEscapedString } from "hono/utils/html";
import type { HistoryStatus } from "./progress.ts";
import type { StoresContext } from "./stores.ts";

/**
 * How a platform's stores connect: a block on the connect page, and the routes that obtain the
 * store's keys (a platform's authorize endpoint, an app install, a pasted token) and then connect
 * it. A source declares its flow as its module's `connect` member (platforms/adapter.ts);
 * connect/flows.ts builds every one that is switched on, and connect mounts them all the same way.
 */
export interface ConnectFlow {
  readonly platform: string;
  /** The platform's block on the connect page (`/`); `query` reads the page's query string (a prefill). */
  section(query?: (name: string) => string | undefined): HtmlEscapedString | Promise<HtmlEscapedString>;
  mount(app: Hono, ctx: StoresContext): void;
  /**
   * Once mounted and listening: the flow's own start-up work (moving what an older
   * version stored, resuming jobs it runs itself). Resolves to the stores whose jobs it resumed.
   */
  start?(): Promise<string[]>;
  /** The service is stopping: the flow's own jobs end (their checkpoints let `start` resume them). */
  stop?(): Promise<void>;
  /**
   * A flow that runs its own history job (not connect/history.ts) reports a store's progress here, in
   * the one shape the progress route answers with; null when the store has no history.
   */
  historyStatus?(shop: string): Promise<HistoryStatus | null>;
}
