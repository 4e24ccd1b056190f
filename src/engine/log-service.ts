import type { Principal } from '../domain/identity.ts';
import { AppError } from '../domain/errors.ts';
import type { Storage } from '../storage/ports.ts';
import type { BuildEvents } from './build-events.ts';
import type { BuildService } from './build-service.ts';

/** A piece of a build log for DownloadRealTimeLog. */
export interface LogSlice {
  content: Uint8Array;
  /** Where this slice starts. */
  offset: number;
  /** The offset to ask for next. */
  next: number;
  /** True while the build runs or bytes remain after `next`. */
  hasMore: boolean;
}

/** Longest a follower waits for new bytes in one call. */
export const MAX_WAIT_MS = 25_000;

/** Most bytes one real-time-log call returns. */
export const MAX_SLICE = 5 * 1024 * 1024;
const READ_WINDOW = 1024 * 1024;

/** How many trailing bytes of `data` start a UTF-8 character that `data` cuts in two. */
function cutCharacterBytes(data: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, data.length); back++) {
    const byte = data[data.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/** Bytes of the UTF-8 character a lead byte starts. */
function characterLength(lead: number): number {
  return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

/** Reading build logs: the live tail, the whole log, one step's part. */
export class LogService {
  constructor(
    private readonly storage: Storage,
    private readonly builds: BuildService,
    private readonly events: BuildEvents,
  ) {}

  /**
   * From `offset`, at most `length` bytes. A slice never ends inside a UTF-8 character (the rest
   * of it comes with the next call), so a client that loops on `next` sees every byte once. A wait
   * ends when `signal` aborts (the client hung up): nothing more is read, and the empty slice
   * answers nobody.
   */
  async realTime(
    caller: Principal,
    jobId: string,
    number: number,
    offset: number,
    length: number,
    waitMs = 0,
    signal?: AbortSignal,
  ): Promise<LogSlice> {
    const { build } = await this.builds.details(caller, jobId, number);
    if (
      waitMs > 0 &&
      build.runningStatus !== 'Finished' &&
      offset >= (await this.storage.logs.size(build.recordId))
    ) {
      // A follower at the end of a running build's log waits for its next bytes (or its end)
      // instead of asking again and again; the events come from whichever server gets them.
      await this.events.wait(['log', 'finished'], Math.min(waitMs, MAX_WAIT_MS), signal, build.recordId);
      if (signal?.aborted) return { content: new Uint8Array(0), offset, next: offset, hasMore: true };
      return this.realTime(caller, jobId, number, offset, length);
    }
    // Read the state before the bytes: once Finished is seen, every byte is already stored.
    const finished = build.runningStatus === 'Finished';
    const size = await this.storage.logs.size(build.recordId);
    const start = Math.min(offset, size);
    let content = await this.storage.logs.read(build.recordId, start, Math.min(length, MAX_SLICE));
    const cut = start + content.length < size || !finished ? cutCharacterBytes(content) : 0;
    if (cut > 0 && cut === content.length) {
      // Asked for fewer bytes than the character at `offset` has: return that whole character, so
      // a client reading with any length still moves forward.
      const whole = await this.storage.logs.read(build.recordId, start, 4);
      content = whole.subarray(0, Math.min(whole.length, characterLength(whole[0] as number)));
    } else if (cut > 0) content = content.subarray(0, content.length - cut);
    const next = start + content.length;
    return { content, offset: start, next, hasMore: !finished || next < size };
  }

  /** The whole log of a build, read in windows so a 100 MB log is never in memory at once. */
  async full(caller: Principal, recordId: string): Promise<AsyncGenerator<Uint8Array>> {
    await this.builds.byRecordId(caller, recordId);
    return this.range(recordId, 0, await this.storage.logs.size(recordId));
  }

  /** The part of the log one step wrote (its name as in the job). */
  async step(caller: Principal, recordId: string, stepName: string): Promise<AsyncGenerator<Uint8Array>> {
    const { steps } = await this.builds.byRecordId(caller, recordId);
    const step = steps.find((s) => s.name === stepName);
    if (!step) throw new AppError('NOT_FOUND', `the build has no step named ${JSON.stringify(stepName)}`);
    if (step.logStart === null) return this.range(recordId, 0, 0);
    return this.range(recordId, step.logStart, step.logEnd ?? (await this.storage.logs.size(recordId)));
  }

  private async *range(recordId: string, from: number, to: number): AsyncGenerator<Uint8Array> {
    for (let at = from; at < to; at += READ_WINDOW) {
      yield await this.storage.logs.read(recordId, at, Math.min(READ_WINDOW, to - at));
    }
  }
}
