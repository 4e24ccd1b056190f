import { EventEmitter } from 'node:events';
import type { Notifier } from '../storage/ports.ts';

/** What happens to builds that someone may be waiting for. */
export const BUILD_TOPICS = ['queued', 'cancel', 'log', 'finished'] as const;
export type BuildTopic = (typeof BUILD_TOPICS)[number];

/**
 * Build events inside this process, relayed to and from other servers through the store's
 * notifier. Events only wake waiters early: every waiter also re-checks the database after a
 * timeout, so a lost event delays, it never loses work.
 */
export class BuildEvents {
  private readonly emitter = new EventEmitter();
  private unsubscribe: (() => Promise<void>) | undefined;
  private readonly finishHooks: ((state: string, recordId: string) => void)[] = [];

  constructor(
    private readonly notifier: Notifier,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** Starts hearing other servers' events. */
  async start(): Promise<void> {
    this.unsubscribe = await this.notifier.subscribe((topic, recordId) => {
      if ((BUILD_TOPICS as readonly string[]).includes(topic)) this.emitter.emit(topic, recordId);
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Tells this process and the others. */
  publish(topic: BuildTopic, recordId: string): void {
    this.emitter.emit(topic, recordId);
    this.notifier.publish(topic, recordId).catch(this.onError);
  }

  /** A build finished here (publishes `finished`; local hooks see the state, e.g. for metrics). */
  finished(recordId: string, state: string): void {
    for (const hook of this.finishHooks) hook(state, recordId);
    this.publish('finished', recordId);
  }

  /** Called with the state and record id of every build this process finishes. */
  onFinish(hook: (state: string, recordId: string) => void): void {
    this.finishHooks.push(hook);
  }

  /** How many waits and listeners there are on `topic` in this process now (for tests and gauges). */
  listeners(topic: BuildTopic): number {
    return this.emitter.listenerCount(topic);
  }

  on(topic: BuildTopic, listener: (recordId: string) => void): () => void {
    this.emitter.on(topic, listener);
    return () => this.emitter.off(topic, listener);
  }

  /**
   * Resolves when one of `topics` fires (for `recordId`, when given), after `timeoutMs`, or when
   * `signal` aborts, whichever comes first. Never rejects.
   */
  wait(
    topics: BuildTopic | BuildTopic[],
    timeoutMs: number,
    signal?: AbortSignal,
    recordId?: string,
  ): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        for (const off of offs) off();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const offs = (Array.isArray(topics) ? topics : [topics]).map((topic) =>
        this.on(topic, (id) => {
          if (recordId === undefined || id === recordId) done();
        }),
      );
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      if (signal?.aborted) done();
    });
  }
}
