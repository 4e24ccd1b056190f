import type { RunnerPeer } from '../protocol/runner-protocol.ts';
import { executeBuild, type ExecutionOptions } from './build-execution.ts';

/** A runner's settings. */
export interface RunnerOptions extends ExecutionOptions {
  /** Builds run at once. */
  slots: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/**
 * Pulls builds from its peer and runs them, `slots` at a time. It knows the server only as the
 * peer: in process for the server's own runner, over HTTP for `kiln runner` on another machine.
 */
export class Runner {
  private readonly shutdown = new AbortController();
  private loops: Promise<void>[] = [];
  private running = 0;

  constructor(
    private readonly peer: RunnerPeer,
    private readonly options: RunnerOptions,
  ) {}

  /** Builds being run right now. */
  get busy(): number {
    return this.running;
  }

  start(): void {
    for (let slot = 0; slot < this.options.slots; slot++) this.loops.push(this.loop());
  }

  private async loop(): Promise<void> {
    const signal = this.shutdown.signal;
    let delay = 250;
    while (!signal.aborted) {
      try {
        const lease = await this.peer.next(signal);
        delay = 250;
        if (!lease || signal.aborted) continue;
        this.running++;
        try {
          await executeBuild(lease, this.peer, this.options, signal);
        } finally {
          this.running--;
        }
      } catch (error) {
        // The server is unreachable or failed: wait and ask again, a little longer each time.
        this.options.onError?.(error, 'asking for work');
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  /** Stops taking work; builds in progress are stopped and reported ABORTED. */
  async stop(): Promise<void> {
    this.shutdown.abort();
    await Promise.all(this.loops);
    this.loops = [];
  }
}
