import type { Command } from 'commander';
import type { ResponseOf } from '../../contract/operation-types.ts';
import { formatDuration } from '../../domain/duration.ts';
import { placeText } from '../../domain/place-text.ts';
import type { CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { RowWriter, type Column, type OutputFormat } from '../output.ts';

type Queued = ResponseOf<'showQueue'>['result']['builds'][number];

const columns = (now: number): Column<Queued>[] => [
  { header: 'place', value: (b) => (b.position > 0 ? b.position : b.status) },
  { header: 'job', value: (b) => b.job_name },
  { header: 'build', value: (b) => b.build_number },
  {
    header: 'runner or waits for',
    value: (b) => (b.position === 0 ? b.runner : placeText({ arch: b.needs_arch, pool: b.needs_pool })),
  },
  {
    header: 'for',
    value: (b) => formatDuration(Math.max(0, now - (b.status === 'running' ? b.started_at : b.queued_at))),
  },
  { header: 'job id', value: (b) => b.job_id },
];

/** `kiln queue`. */
export function registerQueue(program: Command, ctx: CliContext): void {
  outputOption(
    program
      .command('queue')
      .description(
        'The builds runners have (running, or starting: claimed, not yet started), then those waiting for a runner in the order they are served (jobs you may see)',
      ),
  ).action(async (opts: { output: OutputFormat }) => {
    const { builds } = (await ctx.client().showQueue({})).result;
    const writer = new RowWriter(opts.output, columns(Date.now()), ctx.out);
    for (const b of builds) writer.row(b);
    writer.end();
  });
}
