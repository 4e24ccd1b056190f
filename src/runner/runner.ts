import pino, { type Logger } from 'pino';
import { maskedError } from '../domain/log-masking.ts';
import { OutageWatch } from '../domain/outage.ts';
import { Backoff, isTransient, pause } from '../domain/retry.ts';
import type { RunnerTools } from '../domain/tools.ts';
import type { Lease, RunnerPeer } from '../protocol/runner-protocol.ts';
import { cleanBuildDirs, removeLeftoverBuilds } from './build-dirs.ts';
import { executeBuild, prepareSandbox, type ExecutionOptions, type ReadySandbox } from './build-execution.ts';
import { MirrorCache, type MirrorSettings } from './mirrors.ts';
import { retryingPeer } from './retrying-peer.ts';
import { runnerTools } from './tools.ts';
import { watchedPeer } from './watched-peer.ts';

/** A runner's settings. */
export interface RunnerOptions extends Omit<ExecutionOptions, 'mirrors' | 'tools'> {
  /** KILN_RUNNER_TOOLS: over what the runner finds on the builds' PATH. */
  configuredTools?: RunnerTools;
  /** Builds run at once. */
  slots: number;
  mirrors: MirrorSettings;
  /**
   * The runner's log: each outage of the server once, and every failure with the build it hit
   * (`recordId`, `jobId`). Errors are written with URL credentials masked.
   */
  logger?: Logger;
  /** The runner's id as the server knows it, when it is known here (the server's own runner). */
  runnerId?: string;
}

/** Waits between requests for work while the server cannot be reached. */
const WORK_BACKOFF = { firstMs: 250, maxMs: 10_000 } as const;

/**
 * Pulls builds from its peer and runs them, `slots` at a time, each in a sandbox of its own. It
 * knows the server only as the peer: in process for the server's own runner, over HTTP for
 * `kiln runner` on another machine. It owns its work directory (one runner per directory). Each
 * slot keeps the sandbox of its next build started while it waits for work.
 */
export class Runner {
  private readonly shutdown = new AbortController();
  private readonly log: Logger;
  private readonly peer: RunnerPeer;
  /** The peer unwatched: the announcement retries quietly (the loops asking for work tell outages). */
  private readonly announcer: RunnerPeer;
  private loops: Promise<void>[] = [];
  private running = 0;
  private readonly mirrors: MirrorCache;
  private readonly options: ExecutionOptions;
  private prepared = 0;
  private toolsFound: ((tools: RunnerTools) => void) | undefined;
  /** What the runner's builds find on their PATH (settled once detection at start has ended). */
  readonly tools = new Promise<RunnerTools>((resolve) => {
    this.toolsFound = resolve;
  });
  private refusal: ((error: unknown) => void) | undefined;
  /** Resolves with the server's answer when it refuses this runner (a revoked token): it stops. */
  readonly refused = new Promise<unknown>((resolve) => {
    this.refusal = resolve;
  });

  constructor(
    peer: RunnerPeer,
    private readonly settings: RunnerOptions,
  ) {
    this.log = (settings.logger ?? pino({ level: 'silent' })).child(
      { component: 'runner', ...(settings.runnerId !== undefined && { runnerId: settings.runnerId }) },
      { serializers: { err: maskedError } },
    );
    const outage = new OutageWatch((change) =>
      change.down
        ? this.log.warn({ err: change.error }, 'the server cannot be reached; retrying until it answers')
        : this.log.info({ downMs: change.downMs }, 'the server answers again'),
    );
    this.peer = watchedPeer(peer, outage);
    this.announcer = peer;
    const onError = this.errorsTo(this.log);
    this.mirrors = new MirrorCache(settings.sandbox, settings.workDir, settings.mirrors, onError);
    this.options = { ...settings, mirrors: this.mirrors, tools: this.tools, onError };
  }

  /** Where this runner is: the server hands it only builds it can run (env.resource). */
  private get place(): { arch: string; pool: string } {
    return { arch: process.arch, pool: this.settings.runnerPool };
  }

  /** Failures go to `log` (and to the settings' onError, for tests and embedding). */
  private errorsTo(log: Logger): (error: unknown, context: string) => void {
    return (error, context) => {
      log.warn({ err: error }, context);
      this.settings.onError?.(error, context);
    };
  }

  /** Builds being run right now. */
  get busy(): number {
    return this.running;
  }

  start(): void {
    const cleaned = removeLeftoverBuilds(this.settings.workDir).catch((e: unknown) =>
      this.options.onError?.(e, 'removing the directories of builds a crash left'),
    );
    for (let slot = 0; slot < this.settings.slots; slot++) {
      this.mirrors.warm(slot);
      this.loops.push(cleaned.then(() => this.loop(slot)));
    }
    // Not one of the loops: stopping does not wait for a tool that is slow to say its version.
    void this.findTools();
  }

  /**
   * Finds the builds' tools (child processes with a timeout: a build needing them waits at most
   * that long), then tells the server, again and again through an outage until it has heard.
   */
  private async findTools(): Promise<void> {
    const { sandbox, path } = this.settings;
    const tools = await runnerTools(
      { path, visible: (dir) => sandbox.visible(dir) },
      this.settings.configuredTools ?? {},
    );
    this.toolsFound?.(tools);
    this.log.info({ tools }, "the builds' tools");
    const signal = this.shutdown.signal;
    const backoff = new Backoff(WORK_BACKOFF);
    // Once stopped, the peer may be gone (the server's own runner stops with its engine).
    while (!signal.aborted) {
      try {
        await this.announcer.announce({ host: this.settings.hostName, tools, ...this.place });
        return;
      } catch (error) {
        if (!isTransient(error)) {
          this.log.warn({ err: error }, "the server did not take the runner's tools");
          return;
        }
        await pause(backoff.next(), signal);
      }
    }
  }

  /** A started sandbox for the slot's next build (a failed start is tried again when a build comes). */
  private prepare(slot: number): Promise<ReadySandbox | undefined> {
    const ready = prepareSandbox(this.options, slot, `slot${slot}-${++this.prepared}`);
    return ready.catch((error: unknown) => {
      this.options.onError?.(error, 'starting a sandbox');
      return undefined;
    });
  }

  private async loop(slot: number): Promise<void> {
    const signal = this.shutdown.signal;
    let next = this.prepare(slot);
    const backoff = new Backoff(WORK_BACKOFF);
    const sandboxBackoff = new Backoff(WORK_BACKOFF);
    try {
      while (!signal.aborted) {
        try {
          // No claim without a started sandbox: a runner that cannot start them (bubblewrap
          // refused, the disk full) would take every build of the queue only to fail it. It tries
          // again, a little later each time (each failure is logged), and leaves the queue to others.
          if (!(await next)) {
            await pause(sandboxBackoff.next(), signal);
            if (!signal.aborted) next = this.prepare(slot);
            continue;
          }
          sandboxBackoff.reset();
          const lease = await this.peer.next(signal, this.place).catch(async (error: unknown) => {
            if (signal.aborted) return undefined;
            if (isTransient(error)) {
              // An outage (the watched peer logs it once): wait and ask again, a little longer each time.
              await pause(backoff.next(), signal);
              return null;
            }
            // Asking again would be refused again (a revoked token): every slot stops.
            this.log.error({ err: error }, 'the server refuses this runner; it stops');
            this.refusal?.(error);
            this.shutdown.abort();
            return undefined;
          });
          if (lease === null) continue;
          backoff.reset();
          if (!lease) continue;
          // Told to stop while the claim was on its way: the build goes to another runner.
          if (signal.aborted) {
            await this.release(lease);
            continue;
          }
          let ready = await next;
          next = Promise.resolve(undefined);
          let failure: unknown;
          if (!ready?.sandbox.alive()) {
            // The slot's sandbox ended while it waited for work: another one, now.
            if (ready) await dispose(this.options, ready);
            ready = await prepareSandbox(this.options, slot, `slot${slot}-${++this.prepared}`).catch(
              (error: unknown) => {
                failure = error;
                return undefined;
              },
            );
          }
          // ... or while its sandbox was made ready (executeBuild hears only of a stop after its start).
          if (signal.aborted) {
            if (ready) await dispose(this.options, ready);
            await this.release(lease);
            continue;
          }
          if (!ready) {
            // A fault of this machine, not of the build: back to its place in the queue, for
            // another runner (or this one once a sandbox starts again: the slot claims no more
            // until then, see above).
            this.errorsTo(this.log.child({ recordId: lease.recordId, jobId: lease.jobId }))(
              failure,
              "starting a build's sandbox",
            );
            await this.release(lease);
            continue;
          }
          this.running++;
          try {
            const onError = this.errorsTo(this.log.child({ recordId: lease.recordId, jobId: lease.jobId }));
            await executeBuild(lease, this.peer, { ...this.options, onError }, signal, ready);
          } finally {
            this.running--;
            if (!signal.aborted) next = this.prepare(slot);
          }
        } catch (error) {
          // Running the build failed: wait, then ask for work again.
          this.options.onError?.(error, 'running a build');
          await pause(backoff.next(), signal);
        }
      }
    } finally {
      const unused = await next;
      if (unused) await dispose(this.options, unused);
    }
  }

  /**
   * Gives back a build this runner will not start (the server puts it back at its place in the
   * queue), retried through an outage for up to a lease: should that fail too, the lease runs out
   * and the server puts the build back itself.
   */
  private async release(lease: Lease): Promise<void> {
    await retryingPeer(this.peer, lease.leaseMs)
      .release(lease.recordId)
      .catch((error: unknown) =>
        this.errorsTo(this.log.child({ recordId: lease.recordId, jobId: lease.jobId }))(
          error,
          'giving back a build claimed while stopping',
        ),
      );
  }

  /** Stops taking work; builds in progress are stopped and reported ABORTED; builds claimed meanwhile go back to the queue. */
  async stop(): Promise<void> {
    this.shutdown.abort();
    await Promise.all(this.loops);
    this.loops = [];
    await this.mirrors.close();
  }
}

/** Ends a sandbox no build used, and removes its directories. */
async function dispose(options: ExecutionOptions, ready: ReadySandbox): Promise<void> {
  await ready.sandbox.close().catch(() => undefined);
  await cleanBuildDirs(options.workDir, ready.dirs, undefined).catch(() => undefined);
}
