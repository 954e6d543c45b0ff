import type { Channel, Rule } from "../rules.ts";
import type { Incident } from "../state.ts";

export interface Notice {
  action: "trigger" | "resolve";
  rule: Rule;
  incident: Incident;
  /** Links a person can act on. */
  links: { dashboard: string; settings: string | null };
}

/** A delivery that failed; `retryable` says whether sending the same thing later can succeed. */
export class NotifyError extends Error {
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NotifyError";
    this.retryable = retryable;
  }
}

export interface Notifier<C extends Channel = Channel> {
  send(notice: Notice, channel: C): Promise<void>;
}
