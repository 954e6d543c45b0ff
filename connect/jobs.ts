/**
 * At most one running job per key (a shop's backfill, a store's history), each stoppable at once
 * through its AbortSignal, with a failed one restarted after a delay unless it is stopped first.
 */
export class KeyedJobs {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private readonly onFailure: (key: string, err: unknown) => void;
  private readonly retryMs: number;

  /**
   * `onFailure` hears of a job that threw instead of handling its own failure (e.g. its store read
   * failed on a NATS blip); the job is then restarted after `retryMs` rather than left dead.
   */
  constructor({
    onFailure,
    retryMs = 10_000,
  }: {
    onFailure: (key: string, err: unknown) => void;
    retryMs?: number;
  }) {
    this.onFailure = onFailure;
    this.retryMs = retryMs;
  }

  isRunning(key: string): boolean {
    return this.running.has(key);
  }

  /** Starts `run` unless the key's job already runs; a pending retry is replaced by this start. */
  start(key: string, run: (signal: AbortSignal) => Promise<void>): void {
    if (this.running.has(key)) return;
    this.cancelRetry(key);
    const controller = new AbortController();
    const done = run(controller.signal)
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        this.onFailure(key, err);
        this.retry(key, this.retryMs, run);
      })
      .finally(() => this.running.delete(key));
    this.running.set(key, { controller, done });
  }

  /** Starts `run` again after `delayMs` (the timer does not keep the process alive). */
  retry(key: string, delayMs: number, run: (signal: AbortSignal) => Promise<void>): void {
    this.cancelRetry(key);
    const timer = setTimeout(() => {
      this.retries.delete(key);
      this.start(key, run);
    }, delayMs);
    timer.unref();
    this.retries.set(key, timer);
  }

  async stop(key: string, reason: string): Promise<void> {
    this.cancelRetry(key);
    const job = this.running.get(key);
    if (!job) return;
    job.controller.abort(new Error(reason));
    await job.done;
  }

  async stopAll(reason: string): Promise<void> {
    await Promise.all(
      [...new Set([...this.running.keys(), ...this.retries.keys()])].map((key) => this.stop(key, reason)),
    );
  }

  private cancelRetry(key: string): void {
    clearTimeout(this.retries.get(key));
    this.retries.delete(key);
  }
}
