import type { Command } from 'commander';
import { open } from 'node:fs/promises';
import { ApiError, type Kiln } from '../../client/kiln-client.ts';
import type { ResponseOf } from '../../contract/operation-types.ts';
import { operations } from '../../contract/operations.ts';
import { intInRange, parseJobId } from '../arguments.ts';
import { CliError, EXIT, type CliContext } from '../context.ts';
import { cannotRead } from '../file-problem.ts';
import { LineParts, type LinePart } from '../line-parts.ts';
import { importSummary, progressLine, ProgressLine, type ImportTotals } from '../progress.ts';

/** Lines per request: each part is one server transaction series, committed before the next. */
export const DEFAULT_PART_LINES = 20_000;

type ImportAnswer = ResponseOf<'importBuildRecords'>['result'];

interface Input {
  stream: AsyncIterable<Uint8Array | string>;
  size?: number;
}

async function openInput(ctx: CliContext, file: string): Promise<Input> {
  if (file === '-') {
    if (ctx.stdin.isTTY) {
      throw new CliError(
        'no input: pass a FILE or pipe the JSON lines in (kiln import-records --job <job> < records.jsonl)',
        EXIT.usage,
      );
    }
    return { stream: ctx.stdin as AsyncIterable<Uint8Array | string> };
  }
  try {
    const handle = await open(file, 'r');
    const stat = await handle.stat();
    // A directory opens (on Linux) and fails only at its first read, mid-import: refused here.
    if (stat.isDirectory()) {
      await handle.close();
      throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    }
    return { stream: handle.createReadStream(), size: stat.size };
  } catch (error) {
    throw cannotRead(file, error as NodeJS.ErrnoException);
  }
}

async function sendPart(client: Kiln, jobId: string, part: LinePart): Promise<ImportAnswer> {
  const response = await client.request({
    method: 'POST',
    path: operations.importBuildRecords.path.replace('{job_id}', jobId),
    // The server numbers lines from first_line, so its errors name the line of the whole file.
    query: { first_line: part.firstLine },
    rawBody: { contentType: 'application/x-ndjson', data: part.body },
  });
  return (await client.read('importBuildRecords', response)).result;
}

/**
 * The error to leave with when a part failed. A 400 names the bad line and what the server
 * stored of that part before it; earlier parts were committed, so the totals add them.
 */
function importFailure(error: unknown, totals: ImportTotals, file: string, parts: LineParts): unknown {
  if (parts.readError) return cannotRead(file, parts.readError as NodeJS.ErrnoException);
  if (!(error instanceof ApiError)) return error;
  const stored = /\((\d+) imported, (\d+) skipped\)/.exec(error.message);
  const sofar = {
    ...totals,
    imported: totals.imported + Number(stored?.[1] ?? 0),
    skipped: totals.skipped + Number(stored?.[2] ?? 0),
  };
  const advice =
    error.status === 400
      ? 'fix that line and run the same command again (builds already imported are skipped)'
      : 'run the same command again to finish (builds already imported are skipped)';
  if (error.status !== 400 && totals.lines === 0) return error;
  return new CliError(`${error.message}\nstored so far, all parts: ${importSummary(sofar)}; ${advice}`);
}

async function importParts(ctx: CliContext, jobId: string, file: string, partLines: number) {
  const client = ctx.client();
  const input = await openInput(ctx, file);
  const parts = new LineParts(input.stream, partLines);
  const started = Date.now();
  const totals: ImportTotals = { lines: 0, imported: 0, skipped: 0, unfinished: 0, elapsedMs: 0, bytes: 0 };
  if (input.size !== undefined) totals.totalBytes = input.size;
  const progress = new ProgressLine(ctx.err, ctx.interactive);
  try {
    while (await parts.hasMore()) {
      const answer = await sendPart(client, jobId, parts.next());
      // Only what the server confirmed counts: the part is committed once it answered.
      Object.assign(totals, {
        lines: parts.lines,
        bytes: parts.bytes,
        imported: totals.imported + answer.imported,
        skipped: totals.skipped + answer.skipped,
        unfinished: totals.unfinished + answer.unfinished,
        elapsedMs: Date.now() - started,
      });
      progress.update(progressLine(totals));
    }
  } catch (error) {
    progress.done();
    totals.elapsedMs = Date.now() - started;
    throw importFailure(error, totals, file === '-' ? 'stdin' : file, parts);
  } finally {
    await parts.close();
  }
  progress.done();
  totals.elapsedMs = Date.now() - started;
  ctx.out(`${importSummary(totals)}\n`);
}

/** `kiln import-records`. */
export function registerImportRecords(program: Command, ctx: CliContext): void {
  program
    .command('import-records')
    .description('Import build history into a job: JSON lines, one BuildInfoRecord per line')
    .argument(
      '[file]',
      'JSON-lines file (`kiln records <job> --format jsonl --all` writes one); - is stdin',
      '-',
    )
    .requiredOption('--job <job>', 'the job to import into (32-character id)', parseJobId)
    .option(
      '--part-lines <n>',
      'lines per request; each part is stored before the next is sent',
      intInRange(1, 1_000_000),
      DEFAULT_PART_LINES,
    )
    .addHelpText(
      'after',
      `
Each line is a BuildInfoRecord exactly as GET /v3/jobs/{job_id}/build-info-records returns it
(builds still Starting or Running where it was read are left out and counted). Build numbers the job already has are skipped, never overwritten, so
running the same command again completes an interrupted import. A bad line stops the import;
the message names the line and field, and what came before it stays stored.

Examples:
  kiln records <old-job> --all --format jsonl > history.jsonl
  kiln import-records --job <new-job> history.jsonl
  gunzip -c history.jsonl.gz | kiln import-records --job <new-job>`,
    )
    .action(async (file: string, opts: { job: string; partLines: number }) => {
      await importParts(ctx, opts.job, file, opts.partLines);
    });
}
