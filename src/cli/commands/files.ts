import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import type { Kiln } from '../../client/kiln-client.ts';
import type { ResponseOf } from '../../contract/operation-types.ts';
import { formatBytes } from '../../domain/artifact-text.ts';
import { findInPages, PAGE_SIZE, readAllPages } from '../all-pages.ts';
import { CliError, EXIT, type CliContext } from '../context.ts';
import { cannotRead, fileProblem } from '../file-problem.ts';
import { outputOption } from '../options.ts';
import { writeRows, type OutputFormat } from '../output.ts';

type KeptFile = ResponseOf<'listKeystoreSearch'>['result']['keystore_list'][number];

const RIGHTS = ['usage', 'modify', 'delete', 'setting'] as const;

/** A page of the domain's files (ListKeystoreSearch counts pages from 1), `search` part of the name. */
function filesPage(client: Kiln, search: string | undefined) {
  return async (page: number) => {
    const { result } = await client.listKeystoreSearch({
      query: { page, page_size: PAGE_SIZE, ...(search && { search }) },
    });
    return { items: result.keystore_list, total: result.total };
  };
}

/** The domain's file of that name (the one the caller sees), or an error that says there is none. */
async function fileNamed(client: Kiln, name: string): Promise<KeptFile> {
  // The search matches part of the name: the file itself may come after a page of longer names.
  const found = await findInPages(filesPage(client, name), 1, (f) => f.keystore_name === name);
  if (!found) throw new CliError(`the file manager has no file named ${name}`);
  return found;
}

/**
 * Writes `data` as `target`, readable by its owner alone. A mode given to writeFile applies only
 * to a file it creates, and a file in the way (an old copy, a placeholder) keeps its own: so the
 * bytes go to a new 0600 file beside it, renamed over it once whole (never a moment readable by
 * others, never half written).
 */
async function writePrivate(target: string, data: Uint8Array): Promise<void> {
  if ((await stat(target).catch(() => undefined))?.isDirectory())
    throw new CliError(`${target} is a directory: give the file to write (-o DIR/NAME)`);
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, data, { mode: 0o600, flag: 'wx' });
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new CliError(`cannot write ${target}: ${fileProblem(error as NodeJS.ErrnoException)}`);
  }
}

function parseRights(text: string): Record<(typeof RIGHTS)[number], boolean> {
  const asked = text
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const unknown = asked.filter((r) => !(RIGHTS as readonly string[]).includes(r));
  if (unknown.length > 0)
    throw new CliError(`no right ${unknown.join(', ')} (rights: ${RIGHTS.join(', ')})`, EXIT.usage);
  return Object.fromEntries(RIGHTS.map((r) => [r, asked.includes(r)])) as Record<
    (typeof RIGHTS)[number],
    boolean
  >;
}

/** `kiln files ...`: the file manager (docs/files.md). */
export function registerFiles(program: Command, ctx: CliContext): void {
  const files = program
    .command('files')
    .description('The file manager: files builds get with download_file (keystores, settings.xml, .npmrc)');

  outputOption(
    files
      .command('list')
      .description("The domain's files, with what you may do with each")
      .option('--search <text>', 'part of the name'),
  ).action(async (opts: { search?: string; output: OutputFormat }) => {
    const list = await readAllPages(filesPage(ctx.client(), opts.search), 1);
    writeRows<KeptFile>(
      opts.output,
      [
        { header: 'name', value: (f) => f.keystore_name },
        { header: 'size', value: (f) => formatBytes(f.size) },
        { header: 'shared', value: (f) => (f.share === 1 ? 'yes' : 'no') },
        { header: 'you may', value: (f) => RIGHTS.filter((r) => f.permission[r]).join(',') },
        // update_time is CodeArts' "2024-9-23 17:42" in the server's zone; tables show UTC.
        {
          header: 'changed (UTC)',
          value: (f) =>
            `${new Date(Number(f.update_time_stamp) * 1000).toISOString()} by ${f.update_user_name}`,
        },
        { header: 'description', value: (f) => f.description },
      ],
      list,
      ctx.out,
    );
  });

  files
    .command('upload')
    .description(
      'Upload a file (a name the domain has gets new bytes, when you may change it); prints its id',
    )
    .argument('<path>', 'the file to upload; its name is the file name builds ask for')
    .option('--public', 'every user of the domain may use it')
    .option('--description <text>', 'what the file is for', '')
    .action(async (path: string, opts: { public?: boolean; description: string }) => {
      const data = await readFile(path).catch((error: NodeJS.ErrnoException) => {
        throw cannotRead(path, error);
      });
      const done = await ctx
        .client()
        .uploadKeystoreFile(
          { name: basename(path), data },
          { privacy: opts.public ? 'public' : 'private', description: opts.description },
        );
      ctx.out(`${done.result.keystore_id}\n`);
    });

  files
    .command('download')
    .description('Download a file you may use')
    .argument('<name>', 'the file name')
    .option('-o, --output-file <path>', 'where to write it (default: its name), readable by you alone')
    .action(async (name: string, opts: { outputFile?: string }) => {
      const client = ctx.client();
      const file = await fileNamed(client, name);
      const response = await client.open('downloadKeystoreByName', {
        query: { name, domain_id: file.domain_id, id: file.id },
      });
      const data = Buffer.from(await response.arrayBuffer());
      const target = opts.outputFile ?? name;
      await writePrivate(target, data);
      ctx.err(`wrote ${target} (${formatBytes(data.length)})\n`);
    });

  files
    .command('delete')
    .description('Delete a file (builds that use it then fail)')
    .argument('<name>', 'the file name')
    .action(async (name: string) => {
      const client = ctx.client();
      await client.deleteKeystore({ params: { keystore_id: (await fileNamed(client, name)).id } });
      ctx.err(`deleted ${name}\n`);
    });

  files
    .command('rights')
    .description('Who may do what with a file; --give and --take change it (those who may give rights)')
    .argument('<name>', 'the file name')
    .option('--give <user>', 'give a user of the domain the --rights')
    .option('--rights <list>', `with --give: comma-separated, of ${RIGHTS.join(', ')}`, 'usage')
    .option('--take <user>', "take a user's rights away")
    .action(async (name: string, opts: { give?: string; rights: string; take?: string }) => {
      const client = ctx.client();
      const file = await fileNamed(client, name);
      if (opts.give)
        await client.addKeystorePermission({
          body: {
            keystore_id: file.id,
            user_id: '',
            user_name: opts.give,
            can_absent: false,
            ...parseRights(opts.rights),
          },
        });
      const rows = () =>
        readAllPages(async (page) => {
          const { result } = await client.showKeystorePermission({
            params: { keystore_id: file.id },
            query: { page: String(page), page_size: PAGE_SIZE },
          });
          return { items: result.permission_list, total: result.total };
        }, 1);
      if (opts.take) {
        const row = (await rows()).find((p) => p.user_name === opts.take && !p.is_creator);
        if (!row) throw new CliError(`${opts.take} has no rights to ${name} to take`);
        await client.deleteKeystorePermission({ params: { permission_id: row.id } });
      }
      for (const p of await rows())
        ctx.out(
          `${p.user_name}: ${p.is_creator ? 'creator (every right)' : RIGHTS.filter((r) => p[r]).join(',') || 'nothing'}\n`,
        );
    });
}
