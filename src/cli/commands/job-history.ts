import type { Command } from 'commander';
import type { JobUpdateRecord } from '../../contract/jobs.ts';
import { intInRange, parseJobId } from '../arguments.ts';

const parseVersion = intInRange(1, 2_147_483_647);
import type { CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { writeRows, type OutputFormat } from '../output.ts';

/** `kiln jobs history|diff|favourite|unfavourite`: a job's changes, their differences, favourites. */
export function registerJobHistory(jobs: Command, ctx: CliContext): void {
  outputOption(
    jobs
      .command('history')
      .description("A job's changes, the latest first: version, what, who and when")
      .argument('<job>', 'job id (32 characters)', parseJobId)
      .option('--limit <n>', 'at most this many', intInRange(1, 10_000), 20),
  ).action(async (job: string, opts: { output: OutputFormat; limit: number }) => {
    const client = ctx.client();
    const records: JobUpdateRecord[] = [];
    const size = Math.min(100, opts.limit);
    for (let page = 1; records.length < opts.limit; page++) {
      const { result } = await client.listUpdateJobHistory({
        params: { job_id: job },
        query: { page_no: page, page_size: size },
      });
      records.push(...result.job_update_records.slice(0, opts.limit - records.length));
      if (result.job_update_records.length < size) break;
    }
    writeRows<JobUpdateRecord>(
      opts.output,
      [
        { header: 'version', value: (r) => r.update_number },
        { header: 'change', value: (r) => r.update_type },
        { header: 'by', value: (r) => r.user_name },
        { header: 'when (UTC)', value: (r) => new Date(r.update_at).toISOString() },
      ],
      records,
      ctx.out,
    );
  });

  jobs
    .command('diff')
    .description("What changed in a job's configuration from one version to another (a unified diff)")
    .argument('<job>', 'job id (32 characters)', parseJobId)
    .argument('<from>', 'the older version (see `kiln jobs history`)', parseVersion)
    .argument('<to>', 'the newer version', parseVersion)
    .action(async (job: string, from: number, to: number) => {
      const { result } = await ctx.client().showJobConfigDiff({
        params: { job_id: job },
        query: { original_no: from, revisedl_no: to },
      });
      ctx.out(result);
    });

  for (const [verb, on] of [
    ['favourite', true],
    ['unfavourite', false],
  ] as const) {
    jobs
      .command(verb)
      .description(on ? 'Mark a job as one of your favourites' : 'Take a job off your favourites')
      .argument('<job>', 'job id (32 characters)', parseJobId)
      .action(async (job: string) => {
        const client = ctx.client();
        const params = { params: { job_id: job } };
        await (on ? client.addFavouriteTask(params) : client.removerFavouriteTask(params));
        ctx.out(on ? `Job ${job} is one of your favourites.\n` : `Job ${job} is no longer a favourite.\n`);
      });
  }
}
