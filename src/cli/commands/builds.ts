import type { Command } from 'commander';
import type { BuildInfoRecord } from '../../contract/records.ts';
import { intInRange, parseJobId } from '../arguments.ts';
import type { CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { RowWriter, type Column, type OutputFormat } from '../output.ts';
import { RECORD_TABLE_COLUMNS } from '../record-columns.ts';
import { EPOCH_WALL_CLOCK } from '../time-args.ts';

/**
 * The far end of the window `kiln builds` asks for. The server reads window times in its own
 * time zone; a far-future end keeps the newest builds in whatever zone that is.
 */
const FAR_FUTURE_WALL_CLOCK = '2999-12-31 23:59:59';

/** CSV: the table's columns with machine values (full commit id, ISO start, duration in ms). */
const BUILD_CSV_COLUMNS: Column<BuildInfoRecord>[] = [
  { header: 'number', value: (r) => r.number },
  { header: 'daily_build_number', value: (r) => r.daily_build_number },
  { header: 'state', value: (r) => r.state || r.job_running_status },
  { header: 'trigger_type', value: (r) => r.trigger_type },
  { header: 'executor', value: (r) => r.executor },
  { header: 'build_type', value: (r) => r.build_type },
  { header: 'code_branch', value: (r) => r.code_branch },
  { header: 'commit_id', value: (r) => r.commit_id },
  { header: 'start_time', value: (r) => new Date(r.start_time).toISOString() },
  { header: 'build_time_ms', value: (r) => r.build_time },
];

const BUILDS_HELP = `
The state column shows SUCCESS, FAILURE, ABORTED or timeout once a build finished, Starting
(queued) or Running before. Duration is the time the build ran (queue wait excluded).
json and jsonl print each record exactly as the records API returns it; for a time window or
every record use \`kiln records\`.

Examples:
  kiln builds <job>
  kiln builds <job> -n 100 -o csv > builds.csv`;

/** `kiln builds <job>`: the newest builds of a job. */
export function registerBuilds(program: Command, ctx: CliContext): void {
  outputOption(
    program
      .command('builds')
      .description("A job's recent builds, newest first (ListBuildInfoRecord over all time)")
      .argument('<job>', 'job id (32 characters)', parseJobId)
      .option('-n, --limit <n>', 'how many builds, 1-10000', intInRange(1, 10_000), 20)
      .addHelpText('after', BUILDS_HELP),
  ).action(async (job: string, opts: { limit: number; output: OutputFormat }) => {
    const client = ctx.client();
    const columns = opts.output === 'csv' ? BUILD_CSV_COLUMNS : RECORD_TABLE_COLUMNS;
    const writer = new RowWriter(opts.output, columns, ctx.out);
    let written = 0;
    const window = {
      startTime: EPOCH_WALL_CLOCK,
      endTime: FAR_FUTURE_WALL_CLOCK,
      pageSize: Math.min(opts.limit, 100),
    };
    for await (const record of client.records(job, window)) {
      writer.row(record);
      if (++written >= opts.limit) break;
    }
    writer.end();
  });
}
