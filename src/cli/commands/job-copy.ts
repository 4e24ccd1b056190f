import type { Command } from 'commander';
import { parseJobId } from '../arguments.ts';
import type { CliContext } from '../context.ts';

/** `kiln jobs copy JOB [NAME]`: a new job with the same configuration (CopyJob). */
export function registerJobCopy(jobs: Command, ctx: CliContext): void {
  jobs
    .command('copy')
    .description(
      'Copy a job: a new job with its configuration (secrets included; needs the right to change it), named NAME or <name>-copy-<n>; prints the new id',
    )
    .argument('<job>', 'job id (32 characters)', parseJobId)
    .argument('[name]', "the copy's name")
    .action(async (job: string, name: string | undefined) => {
      const client = ctx.client();
      const params = { params: { job_id: job } };
      const source = (await client.listJobConfig({ ...params, query: {} })).result;
      const jobName = name ?? (await client.showCopyName(params)).result;
      const { result } = await client.copyJob({ body: { ...source, job_name: jobName, copy_job_id: job } });
      ctx.out(`${result.job_id}\n`);
    });
}
