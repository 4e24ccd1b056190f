import type { Build } from '../domain/build.ts';
import { importedBuild } from '../domain/build-import.ts';
import type { Clock } from '../domain/clock.ts';
import { AppError } from '../domain/errors.ts';
import type { Principal } from '../domain/identity.ts';
import { unkeepableField } from '../domain/well-formed.ts';
import { isUniqueViolation } from '../storage/errors.ts';
import type { Storage } from '../storage/ports.ts';
import { requireJob } from './access.ts';
import { LineTooLongError, readLines } from './lines.ts';

/** What an import did. */
export interface ImportSummary {
  imported: number;
  /** Build numbers the job already had (or that came twice). */
  skipped: number;
  /** Builds still queued or running in the history read (left out). */
  unfinished: number;
  lines: number;
  elapsedMs: number;
}

/** Builds stored per transaction: large enough to be fast, small enough to lose little to a crash. */
export const IMPORT_BATCH = 5_000;
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * Imports build history. Lines are read as they arrive and stored in batches, each batch in one
 * transaction: a build is stored whole or not at all, and a build number the job already has is
 * skipped, never overwritten, so re-importing the same file completes an interrupted import.
 */
export class ImportService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  /**
   * Reads NDJSON from `stream`. `firstLine` numbers the first line (when a client sends a file
   * in several requests). A bad line stops the import: batches before it stay stored, and the
   * error says which line, which field, and how many builds were stored before it.
   */
  async importStream(
    caller: Principal,
    jobId: string,
    stream: AsyncIterable<Uint8Array | string> | undefined,
    firstLine = 1,
  ): Promise<ImportSummary> {
    if (!stream || typeof (stream as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') {
      throw new AppError(
        'INVALID_BODY',
        'send the records as an application/x-ndjson body, one BuildInfoRecord per line',
      );
    }
    await requireJob(this.storage, caller, jobId, 'modify');
    const started = this.clock.now();
    const summary: ImportSummary = { imported: 0, skipped: 0, unfinished: 0, lines: 0, elapsedMs: 0 };
    const seen = new Set<number>();
    let batch: Build[] = [];
    let lineNo = firstLine - 1;
    const lines = readLines(stream, MAX_LINE_BYTES);
    for (;;) {
      let next: IteratorResult<string>;
      try {
        next = await lines.next();
      } catch (error) {
        if (!(error instanceof LineTooLongError)) throw error;
        await this.flush(jobId, batch, summary);
        throw this.lineError(
          firstLine - 1 + error.line,
          '(line)',
          `is longer than ${error.maxBytes} bytes`,
          summary,
        );
      }
      if (next.done) break;
      lineNo++;
      // A file saved with a byte-order mark (Windows tools write one) starts with U+FEFF.
      const text = lineNo === 1 ? next.value.replace(/^\uFEFF/, '') : next.value;
      if (text.trim() === '') continue;
      summary.lines++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        await this.flush(jobId, batch, summary);
        throw this.lineError(lineNo, '(line)', 'is not valid JSON', summary);
      }
      const fault = unkeepableField(text, parsed);
      if (fault !== undefined) {
        await this.flush(jobId, batch, summary);
        throw this.lineError(lineNo, fault.field || '(line)', fault.problem, summary);
      }
      const line = importedBuild(jobId, parsed);
      if (!line.ok && 'unfinished' in line) {
        summary.unfinished++;
        continue;
      }
      if (!line.ok) {
        await this.flush(jobId, batch, summary);
        throw this.lineError(lineNo, line.field, line.message, summary);
      }
      if (seen.has(line.build.number)) {
        summary.skipped++;
        continue;
      }
      seen.add(line.build.number);
      batch.push(line.build);
      if (batch.length >= IMPORT_BATCH) {
        await this.flush(jobId, batch, summary);
        batch = [];
      }
    }
    await this.flush(jobId, batch, summary);
    summary.elapsedMs = this.clock.now() - started;
    return summary;
  }

  private lineError(lineNo: number, field: string, message: string, s: ImportSummary): AppError {
    const where = field === '(line)' ? `line ${lineNo}` : `line ${lineNo}: field ${field}`;
    return new AppError(
      'INVALID_PARAM',
      `${where} ${message}; ${s.imported + s.skipped} builds before it were stored or already present (${s.imported} imported, ${s.skipped} skipped)`,
    );
  }

  /** Stores one batch atomically; numbers already present are counted as skipped. */
  private async flush(jobId: string, batch: Build[], summary: ImportSummary): Promise<void> {
    if (batch.length === 0) return;
    // The job's row is taken first (lockLive, then its last number raised; a run takes its number
    // there, in the transaction that inserts its build), so no run can take a number of the batch
    // after the check below, and the runs that took one before have committed their builds and are
    // skipped. A unique violation is then not expected; the retry stays for a store that reads
    // otherwise.
    const highest = Math.max(...batch.map((b) => b.number));
    for (let attempt = 1; ; attempt++) {
      try {
        const stored = await this.storage.transaction(async (tx) => {
          // The job must still be live, and stay so until the batch commits: an import is long,
          // and the job may have been deleted (to the bin, or for good) on any server since the
          // request was checked.
          if (!(await tx.jobs.lockLive(jobId)))
            throw new AppError(
              'JOB_NOT_FOUND',
              `job not found (it was deleted during the import); ${summary.imported + summary.skipped} builds before it were stored or already present`,
            );
          await tx.jobs.raiseBuildNumber(jobId, highest);
          const existing = await tx.builds.existingNumbers(
            jobId,
            batch.map((b) => b.number),
          );
          const fresh = batch.filter((b) => !existing.has(b.number));
          await tx.builds.insertMany(fresh);
          if (fresh.length > 0) {
            const days = new Map<string, number>();
            for (const b of fresh) {
              const [day, n] = b.dailyBuildNumber.split('.') as [string, string];
              days.set(day, Math.max(days.get(day) ?? 0, Number(n)));
            }
            for (const [day, n] of days) await tx.jobs.raiseDailyNumber(jobId, day, n);
          }
          return fresh.length;
        });
        summary.imported += stored;
        summary.skipped += batch.length - stored;
        return;
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= 3) throw error;
      }
    }
  }
}
