import type { Command } from 'commander';
import type { ResponseOf } from '../../contract/operation-types.ts';
import { parseJobId } from '../arguments.ts';
import type { CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { RowWriter, type Column, type OutputFormat } from '../output.ts';

type Schedules = ResponseOf<'listJobSchedules'>['result'];

/** A timer's next time as the API writes it (its zone's offset), or why it has none. */
const nextText = (s: Schedules['schedules'][number], disabled: boolean) =>
  s.next_due_time ?? (disabled ? 'not while the job is disabled' : 'never');

const columns = (disabled: boolean): Column<Schedules['schedules'][number]>[] => [
  { header: 'cron', value: (s) => s.cron },
  { header: 'time zone', value: (s) => (s.own_time_zone ? s.time_zone : `${s.time_zone} (server's)`) },
  { header: 'next', value: (s) => nextText(s, disabled) },
];

/** `kiln jobs schedules`: the job's timer triggers and when each builds next (ListJobSchedules). */
export function registerJobSchedules(jobs: Command, ctx: CliContext): void {
  outputOption(
    jobs
      .command('schedules')
      .description("A job's timer triggers: cron, the time zone it is read in, and when it builds next")
      .argument('<job>', 'job id (32 characters)', parseJobId),
  ).action(async (job: string, opts: { output: OutputFormat }) => {
    const { disabled, schedules } = (await ctx.client().listJobSchedules({ params: { job_id: job } })).result;
    const writer = new RowWriter(opts.output, columns(disabled), ctx.out);
    for (const s of schedules) writer.row(s);
    writer.end();
  });
}
