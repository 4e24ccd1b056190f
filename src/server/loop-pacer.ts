/**
 * Keeps a burst of requests from holding the event loop. On the embedded SQLite every query is
 * synchronous, so a request runs from its first byte to its answer without yielding, and all the
 * requests that arrived together run back to back in one turn of the loop: 20 build triggers at
 * once held it for about 45 ms (`npm run bench:engine`), while timers (leases, heartbeats, the
 * scheduler) and the other clients' sockets waited.
 *
 * A request that arrives when the current turn has already spent `budgetMs` on requests waits, in
 * arrival order, and the waiting ones are resumed one per turn of the loop (from a setImmediate
 * queued in the check phase, so timers and I/O run in between). Nothing waits while the loop has
 * time: a lone request, or the first ones of a burst, go straight on.
 */
export class LoopPacer {
  private turnStart = 0;
  private turnOpen = false;
  private readonly waiting: (() => void)[] = [];
  private draining = false;

  constructor(private readonly budgetMs = 2) {}

  /** Undefined when the request may go on now; else a promise that resolves on its turn. */
  turn(): Promise<void> | undefined {
    const now = performance.now();
    if (!this.turnOpen) {
      this.turnOpen = true;
      this.turnStart = now;
      // Runs in this turn's check phase, after every callback of its poll phase.
      setImmediate(() => (this.turnOpen = false));
    }
    if (this.waiting.length === 0 && now - this.turnStart < this.budgetMs) return undefined;
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => this.drain());
      }
    });
  }

  /** Resumes the next waiting request; its work runs right after this callback (microtasks). */
  private drain(): void {
    this.waiting.shift()?.();
    // Queued from the check phase: runs in the next turn, after its timers and I/O.
    if (this.waiting.length > 0) setImmediate(() => this.drain());
    else this.draining = false;
  }
}
