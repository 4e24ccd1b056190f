import { buildStages, type BuildStage } from '../domain/build-stages.ts';
import type { Principal } from '../domain/identity.ts';
import { AppError, invalidParam } from '../domain/errors.ts';
import { buildDebugLines, stepDebugLines, type LogLevel } from '../domain/log-debug.ts';
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

/** A page of a build's log or of one stage's part (ShowActionIInfo); offsets relative to that part. */
export interface LogPage {
  content: Uint8Array;
  start: number;
  end: number;
  /** ASC: bytes after `end` (or the part still grows); DESC: bytes before `start`. */
  hasMore: boolean;
}

/** What a ShowActionIInfo call asks for. */
export interface LogPageQuery {
  startOffset: number;
  /** 0: no end (ASC: a page from `startOffset`; DESC: from the end). */
  endOffset: number;
  descending: boolean;
  /** A stage key of ShowBuildRecordFullStages (`initial`, `stage1`.., `final`); the whole log when absent. */
  stage?: string | undefined;
  /** Most bytes of the page (at most MAX_PAGE, the default). */
  pageBytes?: number | undefined;
}

/** Most bytes one log page holds. */
export const MAX_PAGE = 1024 * 1024;

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
   * answers nobody. After a wait the caller is asked for again (`wait.caller`: the request's
   * credentials checked anew), so a token revoked or a user disabled meanwhile gets no bytes
   * written since.
   */
  async realTime(
    caller: Principal,
    jobId: string,
    number: number,
    offset: number,
    length: number,
    wait?: { ms: number; signal: AbortSignal; caller: () => Promise<Principal> },
  ): Promise<LogSlice> {
    const { build } = await this.builds.details(caller, jobId, number);
    // Read the state before the bytes: once Finished is seen, every byte is already stored.
    const finished = build.runningStatus === 'Finished';
    const size = await this.storage.logs.size(build.recordId);
    const start = Math.min(offset, size);
    const want = Math.min(length, MAX_SLICE);
    const content =
      start < size
        ? await this.readWhole(build.recordId, start, want, start + want < size || !finished, !finished)
        : new Uint8Array(0);
    if (wait && wait.ms > 0 && !finished && content.length === 0) {
      // A follower at the end of a running build's log (or at a character whose last bytes are
      // still on their way) waits for its next bytes (or its end) instead of asking again and
      // again; the events come from whichever server gets them.
      await this.events.wait(
        ['log', 'finished'],
        Math.min(wait.ms, MAX_WAIT_MS),
        wait.signal,
        build.recordId,
      );
      if (wait.signal.aborted) return { content: new Uint8Array(0), offset, next: offset, hasMore: true };
      return this.realTime(await wait.caller(), jobId, number, offset, length);
    }
    const next = start + content.length;
    return { content, offset: start, next, hasMore: !finished || next < size };
  }

  /** The whole log of a build, read in windows so a 100 MB log is never in memory at once. */
  async full(
    caller: Principal,
    recordId: string,
    level: LogLevel = 'INFO',
  ): Promise<AsyncGenerator<Uint8Array>> {
    if (level === 'DEBUG') {
      const view = await this.builds.view(caller, recordId);
      const log = this.range(recordId, 0, view.logSize);
      return withTrailer(log, () => buildDebugLines(view.build, view.steps, view.logSize));
    }
    await this.builds.byRecordId(caller, recordId);
    return this.range(recordId, 0, await this.storage.logs.size(recordId));
  }

  /**
   * The part of the log one stage wrote: a step by its name (the first of that name), or a stage
   * by its full-stages key (`initial`, `stage2`, `final`).
   */
  async step(
    caller: Principal,
    recordId: string,
    stepName: string,
    level: LogLevel = 'INFO',
  ): Promise<AsyncGenerator<Uint8Array>> {
    const view = await this.builds.view(caller, recordId);
    const stages = buildStages(view.build, view.steps, view.logSize);
    const stage =
      stages.slice(1, -1).find((s) => s.displayName === stepName) ?? stages.find((s) => s.key === stepName);
    if (!stage) throw new AppError('NOT_FOUND', `the build has no step named ${JSON.stringify(stepName)}`);
    // A step's end is the offset its runner had written when it ended, which may be ahead of the
    // log stored (bytes still on their way, or dropped past the log's cap): read what is stored.
    const stored = (offset: number) => Math.min(offset, view.logSize);
    const log =
      stage.log === null
        ? this.range(recordId, 0, 0)
        : this.range(recordId, stored(stage.log.start), stored(stage.log.end ?? view.logSize));
    if (level !== 'DEBUG') return log;
    // A step's own line; the initial and final stages are the build's.
    const step = stage.key.startsWith('stage') ? view.steps[stage.sequence - 1] : undefined;
    return withTrailer(log, () =>
      step ? stepDebugLines(step) : buildDebugLines(view.build, [], view.logSize),
    );
  }

  /**
   * ShowActionIInfo: a page of the log, or of one stage's part of it, at most MAX_PAGE bytes, never
   * cut inside a UTF-8 character. Ascending, the page starts at `startOffset` and ends at
   * `endOffset` (0: MAX_PAGE later, or the end); descending, it ends at `endOffset` (0: the end)
   * and reaches back at most to `startOffset`, so a reader of the latest lines pages backwards by
   * passing the `start` it got as the next `endOffset`.
   */
  async page(caller: Principal, jobId: string, number: number, q: LogPageQuery): Promise<LogPage> {
    // A range that ends where it starts or before: read as "to the end", it answered what was not asked.
    if (q.endOffset > 0 && q.endOffset <= q.startOffset)
      throw invalidParam(
        `end_offset (${q.endOffset}) must be past start_offset (${q.startOffset}), or 0 for as far as a page goes`,
      );
    const view = await this.builds.viewByNumber(caller, jobId, number);
    const recordId = view.build.recordId;
    const growing = view.build.runningStatus !== 'Finished';
    let part: BuildStage['log'] = { start: 0, end: growing ? null : view.logSize };
    if (q.stage !== undefined) {
      const stage = buildStages(view.build, view.steps, view.logSize).find((s) => s.key === q.stage);
      if (!stage) throw new AppError('NOT_FOUND', `the build has no stage ${JSON.stringify(q.stage)}`);
      part = stage.log;
    }
    if (part === null) return { content: new Uint8Array(0), start: 0, end: 0, hasMore: growing };
    // A stage's bounds are the offsets its runner had written, which may be ahead of the log stored
    // (bytes still on their way): pages end at what is stored, or a page read backwards would say
    // it ends past the bytes it holds, and a reader going on from there would miss the rest.
    const lo = Math.min(part.start, view.logSize);
    const hi = Math.min(part.end ?? view.logSize, view.logSize);
    const open = part.end === null;
    const pageMax = Math.min(MAX_PAGE, q.pageBytes ?? MAX_PAGE);
    const floor = Math.min(hi, lo + q.startOffset);
    if (q.descending) {
      const to = q.endOffset > 0 ? Math.max(floor, Math.min(hi, lo + q.endOffset)) : hi;
      let from = Math.max(floor, to - pageMax);
      let content = await this.storage.logs.read(recordId, from, to - from);
      // A page that starts inside a character leaves that character to the page before it.
      let skip = 0;
      while (
        from > floor &&
        skip < Math.min(3, content.length) &&
        ((content[skip] as number) & 0xc0) === 0x80
      )
        skip++;
      content = content.subarray(skip);
      from += skip;
      // One that ends inside a character leaves it to the page after it (bytes past `to`, or the
      // last bytes of a character still on their way).
      const cut = to < hi || open ? cutCharacterBytes(content) : 0;
      content = content.subarray(0, content.length - cut);
      return { content, start: from - lo, end: to - cut - lo, hasMore: from > floor };
    }
    const limit = q.endOffset > q.startOffset ? Math.min(hi, lo + q.endOffset) : hi;
    const content = await this.readWhole(
      recordId,
      floor,
      Math.min(limit - floor, pageMax),
      floor + pageMax < limit || limit < hi || open,
      growing,
    );
    const end = floor + content.length;
    return { content, start: floor - lo, end: end - lo, hasMore: end < hi || open };
  }

  /**
   * `length` bytes from `start` (fewer when the log is shorter). When more bytes may follow
   * (`cut`), a character cut in two at the end is left for the next read; a read too short to
   * hold one character returns that whole character, so a reader always moves forward. While the
   * log grows (`growing`), a character whose last bytes are not stored yet (a runner's chunk ended
   * inside it) is not returned at all: nothing, until the rest of it comes.
   */
  private async readWhole(
    recordId: string,
    start: number,
    length: number,
    cut: boolean,
    growing: boolean,
  ): Promise<Uint8Array> {
    const content = await this.storage.logs.read(recordId, start, length);
    const partial = cut ? cutCharacterBytes(content) : 0;
    if (partial === 0) return content;
    if (partial < content.length) return content.subarray(0, content.length - partial);
    const whole = await this.storage.logs.read(recordId, start, 4);
    const need = characterLength(whole[0] as number);
    if (whole.length < need && growing) return new Uint8Array(0);
    return whole.subarray(0, Math.min(whole.length, need));
  }

  private async *range(recordId: string, from: number, to: number): AsyncGenerator<Uint8Array> {
    for (let at = from; at < to; at += READ_WINDOW) {
      const want = Math.min(READ_WINDOW, to - at);
      const bytes = await this.storage.logs.read(recordId, at, want);
      // Every byte below the size read is stored (the size moves with its chunk): fewer means the
      // build was deleted meanwhile (retention, a job deleted for good, on any server). The answer
      // must fail (a 404 before the first byte, a cut transfer after), not end as a shorter log.
      if (bytes.length < want)
        throw new AppError('BUILD_NOT_FOUND', `build record ${recordId} was deleted while its log was read`);
      yield bytes;
    }
  }
}

/** The log's bytes, then `trailer()` on a line of its own (DEBUG's lines: domain/log-debug.ts). */
async function* withTrailer(
  log: AsyncGenerator<Uint8Array>,
  trailer: () => string,
): AsyncGenerator<Uint8Array> {
  let last = NEWLINE;
  for await (const chunk of log) {
    if (chunk.length > 0) last = chunk[chunk.length - 1] as number;
    yield chunk;
  }
  yield Buffer.from(`${last === NEWLINE ? '' : '\n'}${trailer()}`);
}

const NEWLINE = 10;
