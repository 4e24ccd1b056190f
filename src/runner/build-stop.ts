import type { BuildState } from '../domain/build.ts';
import { formatDuration } from '../domain/duration.ts';
import type { LimitHit } from './limits-watch.ts';

/** Why a build stopped early. */
export type StopReason = 'cancel' | 'timeout' | 'lost' | 'shutdown' | 'limit';

const FINAL_STATE: Record<StopReason, BuildState> = {
  cancel: 'ABORTED',
  timeout: 'timeout',
  lost: 'ABORTED',
  shutdown: 'ABORTED',
  limit: 'FAILURE',
};

/**
 * A build's stop: the first reason given is the one (a timeout that passes while a stop request is
 * being handled changes nothing), and it aborts `signal`, which every part of the build watches.
 */
export class BuildStop {
  reason: StopReason | undefined;
  /** The limit that stopped the build, when one did. */
  limitHit: LimitHit | undefined;
  private readonly controller = new AbortController();
  readonly signal = this.controller.signal;

  constructor(private readonly timeoutMs: number) {}

  stop(why: StopReason, hit?: LimitHit): void {
    if (this.reason) return;
    this.reason = why;
    this.limitHit = hit;
    this.controller.abort();
  }

  /** The build's lease is gone: whatever stopped it before, the server has taken it back. */
  leaseLost(): void {
    this.reason = 'lost';
    this.controller.abort();
  }

  /** The state a build stopped for `why` ends in (the reason given, else a stop request). */
  state(why: StopReason = this.reason ?? 'cancel'): BuildState {
    return FINAL_STATE[why];
  }

  /** Why, in words for the log. */
  describe(why: StopReason = this.reason ?? 'cancel'): string {
    switch (why) {
      case 'timeout':
        return `the job's timeout of ${formatDuration(this.timeoutMs)} passed`;
      case 'cancel':
        return 'the build was stopped';
      case 'limit':
        return this.limitHit?.message ?? 'a limit was hit';
      default:
        return why;
    }
  }
}
