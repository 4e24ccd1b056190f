import type { Command } from 'commander';
import { formatDuration } from '../../domain/duration.ts';
import { intInRange, parseJobId } from '../arguments.ts';
import type { CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { writeRows, type OutputFormat } from '../output.ts';

const ms = (v: number | null) => (v === null ? '' : formatDuration(v));

/** `kiln jobs insights`: a job's weeks in delivery measures and build times, and its flaky commits. */
export function registerJobInsights(jobs: Command, ctx: CliContext): void {
  outputOption(
    jobs
      .command('insights')
      .description(
        "A job's last days by week: builds, change failure rate, time to restore, lead time, build times; then its flaky commits",
      )
      .argument('<job>', 'job id (32 characters)', parseJobId)
      .option('--days <n>', 'days, today included', intInRange(1, 366), 90),
  ).action(async (job: string, opts: { days: number; output: OutputFormat }) => {
    const { result } = await ctx
      .client()
      .showJobInsights({ params: { job_id: job }, query: { days: opts.days } });
    type Week = (typeof result.weeks)[number];
    writeRows<Week>(
      opts.output,
      [
        { header: 'week of', value: (w) => w.week },
        { header: 'builds', value: (w) => w.builds },
        {
          header: `failure rate (${result.default_branch || 'all'})`,
          value: (w) => `${Math.round(w.change_failure_rate * 100)} %`,
        },
        { header: 'time to restore', value: (w) => ms(w.time_to_restore_ms) },
        { header: 'lead time', value: (w) => ms(w.lead_time_ms) },
        { header: 'build p50', value: (w) => ms(w.duration_p50_ms) },
        { header: 'build p90', value: (w) => ms(w.duration_p90_ms) },
      ],
      result.weeks,
      ctx.out,
    );
    if (opts.output !== 'table') return;
    if (!result.complete) ctx.err(`Only the latest ${result.builds_read} builds of the window were read.\n`);
    if (result.flaky.length === 0) ctx.out('No flaky commit: no commit was built with different outcomes.\n');
    for (const f of result.flaky)
      ctx.out(
        `Flaky ${f.commit_id.slice(0, 8)}: ${f.builds.map((b) => `#${b.build_number} ${b.state}`).join(', ')}\n`,
      );
  });
}
