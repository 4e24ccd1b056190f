import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';

/** The checked-out commit as checkout reports it. */
export interface HeadCommit {
  commitId: string;
  /** Committer time, epoch ms. */
  commitTime: number | null;
  /** First line of the message. */
  subject: string;
  /** The branch HEAD points at ("" when detached). */
  branch: string;
}

async function refTarget(gitDir: string, ref: string): Promise<string | undefined> {
  const loose = await readFile(join(gitDir, ref), 'utf8').catch(() => undefined);
  if (loose) return loose.trim();
  const packed = await readFile(join(gitDir, 'packed-refs'), 'utf8').catch(() => '');
  return packed
    .split('\n')
    .map((line) => line.split(' '))
    .find(([, name]) => name === ref)?.[0];
}

/**
 * A loose object from the repository's own objects or from those it borrows (the directories in
 * `objects/info/alternates`, as a linked clone has; git resolves relative ones from `objects/`).
 */
async function readLooseObject(gitDir: string, sha: string): Promise<Buffer> {
  const objects = join(gitDir, 'objects');
  const alternates = await readFile(join(objects, 'info', 'alternates'), 'utf8').catch(() => '');
  const dirs = [objects, ...alternates.split('\n').filter((l) => l && !l.startsWith('#'))];
  for (const dir of dirs) {
    const found = await readFile(resolve(objects, dir, sha.slice(0, 2), sha.slice(2))).catch(() => undefined);
    if (found) return found;
  }
  throw new Error(`object ${sha} is not loose`);
}

/**
 * Reads HEAD's commit straight from a fresh clone's `.git` when the commit is a loose object (a
 * clone of a local repository links or borrows its objects as they are), which saves starting `git log`.
 * Undefined whenever anything is not as expected (packed object, odd ref): the caller asks git.
 */
export async function readHeadCommit(workspace: string): Promise<HeadCommit | undefined> {
  try {
    const gitDir = join(workspace, '.git');
    const head = (await readFile(join(gitDir, 'HEAD'), 'utf8')).trim();
    const ref = head.startsWith('ref: ') ? head.slice(5) : undefined;
    const sha = ref ? await refTarget(gitDir, ref) : head;
    if (!sha || !/^[0-9a-f]{40}$/.test(sha)) return undefined;
    const raw = inflateSync(await readLooseObject(gitDir, sha)).toString('utf8');
    const nul = raw.indexOf('\0');
    if (!raw.startsWith('commit ') || nul < 0) return undefined;
    const body = raw.slice(nul + 1);
    const end = body.indexOf('\n\n');
    const headers = end < 0 ? body : body.slice(0, end);
    const committer = /^committer .* (\d+) [+-]\d{4}$/m.exec(headers);
    return {
      commitId: sha,
      commitTime: committer ? Number(committer[1]) * 1000 : null,
      // Like git's %s: the first paragraph of the message, its lines joined by spaces.
      subject: end < 0 ? '' : (body.slice(end + 2).split('\n\n')[0] ?? '').trim().split('\n').join(' '),
      branch: ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : '',
    };
  } catch {
    return undefined;
  }
}
