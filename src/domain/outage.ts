/** A change of an outage's state: it began (with the first error), or it ended (after `downMs`). */
export type OutageChange = { down: true; error: unknown } | { down: false; downMs: number };

/**
 * Tells apart the first failure of an outage and the first success after it from the failures and
 * successes in between, so that a loop retrying every few seconds logs twice per outage, not once
 * per attempt.
 */
export class OutageWatch {
  private since: number | undefined;

  constructor(
    private readonly onChange: (change: OutageChange) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while failures have not been followed by a success. */
  get down(): boolean {
    return this.since !== undefined;
  }

  failed(error: unknown): void {
    if (this.since !== undefined) return;
    this.since = this.now();
    this.onChange({ down: true, error });
  }

  succeeded(): void {
    if (this.since === undefined) return;
    const downMs = this.now() - this.since;
    this.since = undefined;
    this.onChange({ down: false, downMs });
  }
}
