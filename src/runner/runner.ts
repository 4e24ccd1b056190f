import type { RunnerPeer } from '../protocol/runner-protocol.ts';
import { removeLeftoverBuilds } from './build-dirs.ts';
import { executeBuild, type ExecutionOptions } from './build-execution.ts';
import { MirrorCache, type MirrorSettings } from './mirrors.ts';

/** A runner's settings. */
export interface RunnerOptions extends Omit<ExecutionOptions, 'mirrors'> {
  /** Builds run at once. */
  slots: number;
  mirrors: MirrorSettings;
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
 * Pulls builds from its peer and runs them, `slots` at a time, each in a sandbox of its own. It
 * knows the server only as the peer: in process for the server's own runner, over HTTP for
 * `kiln runner` on another machine. It owns its work directory (one runner per directory).
 */
export class Runner {
  private readonly shutdown = new AbortController();
  private loops: Promise<void>[] = [];
  private running = 0;
  private readonly mirrors: MirrorCache;

  constructor(
    private readonly peer: RunnerPeer,
    private readonly options: RunnerOptions,
  ) {
    this.mirrors = new MirrorCache(options.sandbox, options.workDir, options.mirrors, options.onError);
  }

  /** Builds being run right now. */
  get busy(): number {
    return this.running;
  }

  start(): void {
    const cleaned = removeLeftoverBuilds(this.options.workDir).catch((e: unknown) =>
      this.options.onError?.(e, 'removing the directories of builds a crash left'),
    );
    for (let slot = 0; slot < this.options.slots; slot++) {
      this.mirrors.warm(slot);
      this.loops.push(cleaned.then(() => this.loop(slot)));
    }
  }

  private async loop(slot: number): Promise<void> {
    const signal = this.shutdown.signal;
    const options = { ...this.options, mirrors: this.mirrors };
    let delay = 250;
    while (!signal.aborted) {
      try {
        const lease = await this.peer.next(signal);
        delay = 250;
        if (!lease || signal.aborted) continue;
        this.running++;
        try {
          await executeBuild(lease, this.peer, options, signal, slot);
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
    await this.mirrors.close();
  }
}
