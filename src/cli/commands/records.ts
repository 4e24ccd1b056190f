import { Option, type Command } from 'commander';
import type { Kiln } from '../../client/kiln-client.ts';
import type { BuildInfoRecord, RecordsPage } from '../../contract/records.ts';
import { intInRange, parseJobId } from '../arguments.ts';
import { CliError, EXIT, type CliContext } from '../context.ts';
import { RowWriter } from '../output.ts';
import { RECORD_CSV_COLUMNS, RECORD_TABLE_COLUMNS } from '../record-columns.ts';
import { EPOCH_WALL_CLOCK, parseWindowTime, wallClockIn } from '../time-args.ts';

/** Formats of `kiln records`: jsonl for machines and re-import, csv for spreadsheets. */
export const RECORD_FORMATS = ['table', 'jsonl', 'csv'] as const;
type RecordFormat = (typeof RECORD_FORMATS)[number];

interface RecordsOptions {
  since?: string;
  until?: string;
  format?: RecordFormat;
  output?: RecordFormat;
  all?: boolean;
  page?: number;
  pageSize?: number;
}

interface Window {
  startTime: string;
  endTime: string;
}

function chosenFormat(opts: RecordsOptions): RecordFormat {
  if (opts.format && opts.output && opts.format !== opts.output)
    throw new CliError('--format and --output are the same option: give one', EXIT.usage);
  return opts.format ?? opts.output ?? 'table';
}

/**
 * Now, as the server's clock reads it: the server takes query times as wall-clock times in its own
 * zone. A server that does not say its zone (not Kiln) is taken to be on UTC.
 */
async function serverNow(client: Kiln): Promise<string> {
  const zone = await client.showServerInfo().then(
    (info) => info.result.time_zone,
    () => 'UTC',
  );
  return wallClockIn(Date.now(), zone);
}

async function chosenWindow(opts: RecordsOptions, client: Kiln): Promise<Window> {
  const window = {
    startTime: opts.since ?? EPOCH_WALL_CLOCK,
    endTime: opts.until ?? (await serverNow(client)),
  };
  // Same fixed-width format on both sides, so text order is time order.
  if (window.startTime > window.endTime)
    throw new CliError(`--since ${window.startTime} is after --until ${window.endTime}`, EXIT.usage);
  return window;
}

function writerFor(format: RecordFormat, ctx: CliContext): RowWriter<BuildInfoRecord> {
  // jsonl rows are the API's objects untouched, so `import-records` takes the output as is.
  return new RowWriter(format, format === 'csv' ? RECORD_CSV_COLUMNS : RECORD_TABLE_COLUMNS, ctx.out);
}

/** What to list and how to write it. */
interface Listing {
  client: Kiln;
  job: string;
  window: Window;
  format: RecordFormat;
  page?: number;
  pageSize?: number;
}

/** Every page, page size 100 unless asked otherwise; rows are written as each page arrives. */
async function writeAll(l: Listing, ctx: CliContext): Promise<void> {
  const writer = writerFor(l.format, ctx);
  for await (const record of l.client.records(l.job, { ...l.window, pageSize: l.pageSize ?? 100 }))
    writer.row(record);
  writer.end();
}

async function writePage(l: Listing, ctx: CliContext): Promise<void> {
  const page = (
    await l.client.listBuildInfoRecord({
      params: { job_id: l.job },
      query: {
        start_time: l.window.startTime,
        end_time: l.window.endTime,
        page_index: l.page ?? 0,
        page_size: l.pageSize ?? 10,
      },
    })
  ).result;
  const writer = writerFor(l.format, ctx);
  for (const record of page.job_build_states) writer.row(record);
  writer.end();
  // People get the paging state (on stderr); machine formats get nothing but their rows.
  if (l.format === 'table') ctx.err(`${pagingNote(page)}\n`);
}

function pagingNote(page: RecordsPage['result']): string {
  const [index, pages] = [Number(page.page_index), Number(page.total_page)];
  const where =
    pages === 0
      ? 'no records in the window'
      : `page ${index} of pages 0-${pages - 1}, ${page.total_record} records`;
  const more = index + 1 < pages ? `; next: --page ${index + 1}, or --all for every page` : '';
  return `${where} (health score ${page.health_score})${more}`;
}

const HELP_AFTER = `
Times are "yyyy-MM-dd HH:mm:ss" or "yyyy-MM-dd" (quote the space). A bare date in --since means
its 00:00:00, in --until its 23:59:59. Both ends are inclusive.

The server reads these times as wall-clock times in ITS time zone (KILN_TIMEZONE, UTC unless
set), not yours. The default --until is now on the server's clock (its zone from /v1/kiln/info),
so every build started so far is in the window and builds started while --all pages through it
do not shift its pages.

Formats: table (for people), jsonl (each record exactly as the API returns it; feed it to
\`kiln import-records\`), csv (a header row with every record field; commit_info.created_at as
commit_created_at; times in epoch ms as the API gives them).

Examples:
  kiln records <job>                               the newest 10
  kiln records <job> --since 2024-06-01 --until 2024-06-30 --all --format csv > june.csv
  kiln records <job> --all --format jsonl > history.jsonl`;

/** `kiln records <job>`. */
export function registerRecords(program: Command, ctx: CliContext): void {
  const formatChoices = [...RECORD_FORMATS];
  program
    .command('records')
    .description("A job's build records (ListBuildInfoRecord), newest first")
    .argument('<job>', 'job id (32 characters)', parseJobId)
    .option('--since <time>', 'window start (default 1970-01-01 00:00:00)', (t) =>
      parseWindowTime(t, 'start'),
    )
    .option('--until <time>', "window end (default: now, in the server's time zone)", (t) =>
      parseWindowTime(t, 'end'),
    )
    .addOption(new Option('--format <format>', 'output format (default table)').choices(formatChoices))
    .addOption(new Option('-o, --output <format>', 'same as --format').choices(formatChoices))
    .option('--all', 'every page, written as it arrives (table output waits for the last)')
    .option('--page <n>', '0-based page to show, newest first (default 0)', intInRange(0, 2_147_483_647))
    .option('--page-size <n>', 'records per page, 1-100 (default 10; 100 with --all)', intInRange(1, 100))
    .addHelpText('after', HELP_AFTER)
    .action(async (job: string, opts: RecordsOptions) => {
      if (opts.all && opts.page !== undefined)
        throw new CliError('--all prints every page: drop --page', EXIT.usage);
      const client = ctx.client();
      const format = chosenFormat(opts);
      const listing: Listing = {
        job,
        window: await chosenWindow(opts, client),
        format,
        client,
        ...(opts.page !== undefined && { page: opts.page }),
        ...(opts.pageSize !== undefined && { pageSize: opts.pageSize }),
      };
      await (opts.all ? writeAll : writePage)(listing, ctx);
    });
}
