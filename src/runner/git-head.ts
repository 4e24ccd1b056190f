import { readFileSync } from 'node:fs';
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

/** The file's text, or undefined when it cannot be read. */
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function refTarget(gitDir: string, ref: string): string | undefined {
  const loose = readText(join(gitDir, ref));
  if (loose) return loose.trim();
  const packed = readText(join(gitDir, 'packed-refs')) ?? '';
  return packed
    .split('\n')
    .map((line) => line.split(' '))
    .find(([, name]) => name === ref)?.[0];
}

/**
 * A loose object from the repository's own objects or from those it borrows (the directories in
 * `objects/info/alternates`, as a linked clone has; git resolves relative ones from `objects/`).
 */
function readLooseObject(gitDir: string, sha: string): Buffer {
  const objects = join(gitDir, 'objects');
  const alternates = readText(join(objects, 'info', 'alternates')) ?? '';
  for (const dir of [objects, ...alternates.split('\n').filter((l) => l && !l.startsWith('#'))]) {
    try {
      return readFileSync(resolve(objects, dir, sha.slice(0, 2), sha.slice(2)));
    } catch {
      // Not in this directory.
    }
  }
  throw new Error(`object ${sha} is not loose`);
}

/**
 * Reads HEAD's commit straight from a fresh clone's `.git` when the commit is a loose object (a
 * clone of a local repository links or borrows its objects as they are), which saves starting `git log`.
 * Undefined whenever anything is not as expected (packed object, odd ref): the caller asks git.
 * Synchronous: a few small local files, read faster than a trip through libuv's thread pool.
 */
export function readHeadCommit(workspace: string): HeadCommit | undefined {
  try {
    const gitDir = join(workspace, '.git');
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    const ref = head.startsWith('ref: ') ? head.slice(5) : undefined;
    const sha = ref ? refTarget(gitDir, ref) : head;
    if (!sha || !/^[0-9a-f]{40}$/.test(sha)) return undefined;
    const raw = inflateSync(readLooseObject(gitDir, sha)).toString('utf8');
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
