import type { Command } from 'commander';
import type { RecyclingJob } from '../../contract/recycle-bin.ts';
import { MAX_RECYCLE_BIN_DAYS } from '../../domain/time.ts';
import { PAGE_SIZE, readAllPages } from '../all-pages.ts';
import { intInRange, parseJobId } from '../arguments.ts';
import { CliError, type CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { writeRows, type OutputFormat } from '../output.ts';

/** Parses each id of a variadic argument as it arrives. */
const jobIds = (text: string, previous: string[] = []) => [...previous, parseJobId(text)];

/**
 * `kiln bin ...`: the recycle bin. A deleted job waits there with its history until it is
 * restored, deleted for good by an owner, or deleted by the server once its days there are over.
 */
export function registerBin(program: Command, ctx: CliContext): void {
  const bin = program
    .command('bin')
    .description('The recycle bin: deleted jobs, restorable with their builds, logs and artifacts');

  outputOption(
    bin
      .command('list')
      .description('Deleted jobs of the projects you can see, the latest first')
      .option('--search <text>', 'only jobs whose name contains this'),
  ).action(async (opts: { output: OutputFormat; search?: string }) => {
    const client = ctx.client();
    let keepTime = 0;
    const jobs = await readAllPages(async (page) => {
      const { result } = await client.listRecyclingJob({
        query: { page_no: page, page_size: PAGE_SIZE, ...(opts.search && { search: opts.search }) },
      });
      keepTime = result.keep_time;
      return { items: result.job_list, total: result.total };
    }, 1);
    writeRows<RecyclingJob>(
      opts.output,
      [
        { header: 'name', value: (j) => j.job_name },
        { header: 'id', value: (j) => j.job_id },
        { header: 'project', value: (j) => j.project_id },
        { header: 'creator', value: (j) => j.creator_name },
        // delete_time is the server's wall clock ("2024-09-23 17:40:55"); tables show UTC.
        {
          header: 'deleted (UTC)',
          value: (j) => new Date(Number(j.delete_time_stamp) * 1000).toISOString(),
        },
      ],
      jobs,
      ctx.out,
    );
    if (opts.output === 'table') ctx.out(`Deleted jobs are kept ${keepTime} days.\n`);
  });

  bin
    .command('restore')
    .description('Restore deleted jobs with their history (all or none)')
    .argument('<job...>', 'job ids (32 characters)', jobIds)
    .action(async (jobIds: string[]) => {
      await ctx.client().restoreRecyclingJobs({ body: { job_ids: jobIds } });
      ctx.out(`Restored ${jobIds.join(', ')}.\n`);
    });

  bin
    .command('delete')
    .description('Delete jobs in the bin for good, with their builds, logs and artifacts (project owners)')
    .argument('<job...>', 'job ids (32 characters)', jobIds)
    .action(async (jobIds: string[]) => {
      await ctx.client().deleteRecyclingJobs({ body: { job_ids: jobIds } });
      ctx.out(`Deleted ${jobIds.join(', ')} for good.\n`);
    });

  bin
    .command('empty')
    .description('Delete for good every job in the bin of the projects you own')
    .option('--yes', 'confirm: this cannot be undone')
    .action(async (opts: { yes?: boolean }) => {
      if (!opts.yes) throw new CliError('emptying the bin cannot be undone: run it again with --yes');
      await ctx.client().clearRecyclingJobs();
      ctx.out('Emptied the recycle bin of the projects you own.\n');
    });

  bin
    .command('keep-time')
    .description("Show, or set (domain administrators), how many days deleted jobs stay in your domain's bin")
    .argument(
      '[days]',
      `the new keep time, 1 to ${MAX_RECYCLE_BIN_DAYS} days`,
      intInRange(1, MAX_RECYCLE_BIN_DAYS),
    )
    .action(async (days: number | undefined) => {
      const client = ctx.client();
      if (days === undefined) {
        const { result } = await client.listRecyclingJob({ query: { page_size: 0 } });
        ctx.out(`Deleted jobs are kept ${result.keep_time} days.\n`);
        return;
      }
      const { result } = await client.setKeepTime({ body: { keep_time: days } });
      ctx.out(`Deleted jobs are now kept ${result.keep_time} days.\n`);
    });
}
