import type { Command } from 'commander';
import { parseJobId } from '../arguments.ts';
import { CliError, type CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { writeRows, type OutputFormat } from '../output.ts';

interface Row {
  scope: string;
  name: string;
  steps: number;
  description: string;
  uuid: string;
}

/** `kiln templates list|save|delete`: build templates (`kiln jobs init --template NAME` uses them). */
export function registerTemplates(program: Command, ctx: CliContext): void {
  const templates = program
    .command('templates')
    .description("Build templates: Kiln's official ones and your domain's own");

  outputOption(templates.command('list').description("The official templates, then the domain's own")).action(
    async (opts: { output: OutputFormat }) => {
      const client = ctx.client();
      const official = (await client.listOfficialTemplate({ query: { page_size: '100' } })).result.items;
      const custom = (await client.listCustomTemplate({ query: { page_size: 100 } })).result.items;
      const rows: Row[] = [
        ...official.map((t) => ({
          scope: 'official',
          name: t.name,
          steps: t.template.steps.length,
          description: t.description,
          uuid: t.uuid,
        })),
        ...custom.map((t) => ({
          scope: 'custom',
          name: t.name,
          steps: t.template.steps.length,
          description: t.description,
          uuid: t.uuid,
        })),
      ];
      writeRows<Row>(
        opts.output,
        [
          { header: 'scope', value: (r) => r.scope },
          { header: 'name', value: (r) => r.name },
          { header: 'steps', value: (r) => r.steps },
          { header: 'description', value: (r) => r.description },
        ],
        rows,
        ctx.out,
      );
    },
  );

  templates
    .command('save')
    .description("Save a job's steps and parameters as a template of the domain; prints its uuid")
    .argument('<job>', 'job id (32 characters)', parseJobId)
    .requiredOption('--name <name>', "the template's name (unique in the domain)")
    .option('--description <text>', 'what it is for', '')
    .action(async (job: string, opts: { name: string; description: string }) => {
      const client = ctx.client();
      const doc = (await client.listJobConfig({ params: { job_id: job } })).result;
      const made = await client.createTemplate({
        body: {
          name: opts.name,
          description: opts.description,
          template: { steps: doc.steps },
          ...(doc.parameters && { parameters: doc.parameters }),
        },
      });
      ctx.out(`${made.result.uuid}\n`);
    });

  templates
    .command('delete')
    .description("Delete one of the domain's templates (its creator or a domain administrator)")
    .argument('<name>', "the template's name")
    .action(async (name: string) => {
      const client = ctx.client();
      const found = (await client.listCustomTemplate({ query: { name, page_size: 100 } })).result.items.find(
        (t) => t.name === name,
      );
      if (!found) throw new CliError(`your domain has no template named ${name}`);
      await client.deleteTemplate({ params: { uuid: found.uuid } });
      ctx.err(`deleted ${name}\n`);
    });
}
