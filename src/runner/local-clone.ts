import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

/**
 * A repository on the runner's own disk, as read for a linked clone: where its objects are, its
 * branches and tags, and the branch its HEAD names.
 */
export interface LocalRepository {
  /** The path the job names (the workspace's `origin`). */
  path: string;
  objects: string;
  /** Branch name -> commit id. */
  branches: Map<string, string>;
  /** Tag name -> object id (an annotated tag's id; git peels it at checkout). */
  tags: Map<string, string>;
  /** The branch the repository's HEAD names, or its commit id when HEAD is detached. */
  head: { branch: string } | { commit: string };
}

const OBJECT_ID = /^[0-9a-f]{40}$/;

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** Loose refs under `refs/<kind>/`, by name; symbolic refs are left out. */
async function looseRefs(gitDir: string, kind: 'heads' | 'tags'): Promise<Map<string, string>> {
  const dir = join(gitDir, 'refs', kind);
  const found = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  await Promise.all(
    entries
      .filter((e) => e.isFile())
      .map(async (e) => {
        const file = join(e.parentPath, e.name);
        const id = (await readFile(file, 'utf8')).trim();
        if (OBJECT_ID.test(id)) found.set(file.slice(dir.length + 1), id);
      }),
  );
  return found;
}

/**
 * Reads a repository given by an absolute path (a working copy or a bare repository) when it is
 * one git's own files describe plainly: SHA-1 objects, files for refs, not shallow, not a linked
 * worktree. Anything else is undefined, and the caller runs `git clone` instead.
 */
export async function readLocalRepository(path: string): Promise<LocalRepository | undefined> {
  // A relative path would mean something else to git in the workspace; a newline has no place in
  // git's config file.
  if (!isAbsolute(path) || path.includes('\n')) return undefined;
  const gitDir = (await isDirectory(join(path, '.git'))) ? join(path, '.git') : path;
  try {
    const [config, headText] = await Promise.all([
      readFile(join(gitDir, 'config'), 'utf8'),
      readFile(join(gitDir, 'HEAD'), 'utf8'),
    ]);
    // Extensions (sha256 objects, reftable, ...) change how the files are to be read.
    if (/^\s*\[extensions\b/im.test(config) || /repositoryformatversion\s*=\s*[1-9]/i.test(config)) {
      return undefined;
    }
    const plain = await Promise.all([
      isDirectory(join(gitDir, 'objects')),
      isDirectory(join(gitDir, 'refs')),
      stat(join(gitDir, 'shallow')).then(
        () => false,
        () => true,
      ),
      stat(join(gitDir, 'commondir')).then(
        () => false,
        () => true,
      ),
    ]);
    if (plain.includes(false)) return undefined;

    const branches = new Map<string, string>();
    const tags = new Map<string, string>();
    const packed = await readFile(join(gitDir, 'packed-refs'), 'utf8').catch(() => '');
    for (const line of packed.split('\n')) {
      const [id = '', name = ''] = line.split(' ');
      if (!OBJECT_ID.test(id)) continue;
      if (name.startsWith('refs/heads/')) branches.set(name.slice('refs/heads/'.length), id);
      else if (name.startsWith('refs/tags/')) tags.set(name.slice('refs/tags/'.length), id);
    }
    // A loose ref is newer than its packed copy.
    const [heads, looseTags] = await Promise.all([looseRefs(gitDir, 'heads'), looseRefs(gitDir, 'tags')]);
    for (const [name, id] of heads) branches.set(name, id);
    for (const [name, id] of looseTags) tags.set(name, id);

    const head = headText.trim();
    return {
      path,
      objects: join(gitDir, 'objects'),
      branches,
      tags,
      head: head.startsWith('ref: refs/heads/')
        ? { branch: head.slice('ref: refs/heads/'.length) }
        : { commit: head },
    };
  } catch {
    return undefined;
  }
}

/**
 * Makes `workspace/.git` a clone of the repository that borrows its objects (what
 * `git clone --shared --no-checkout` makes): `origin` is the repository, its branches are
 * `origin/*`, its tags are copied. Written directly, this takes a fraction of a millisecond where
 * `git clone` starts three processes and copies its templates (about 10-20 ms here); the checkout
 * that follows is one `git checkout`. The workspace depends on the repository's objects for as
 * long as it exists, which a build's workspace does not outlive.
 */
export async function linkRepository(repo: LocalRepository, workspace: string): Promise<void> {
  const git = join(workspace, '.git');
  await Promise.all(
    ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags', 'refs/remotes/origin'].map((d) =>
      mkdir(join(git, d), { recursive: true }),
    ),
  );
  const refs = [
    ...[...repo.branches].map(([name, id]) => `${id} refs/remotes/origin/${name}`),
    ...[...repo.tags].map(([name, id]) => `${id} refs/tags/${name}`),
  ];
  const defaultBranch = 'branch' in repo.head ? repo.head.branch : undefined;
  const config = [
    '[core]',
    '\trepositoryformatversion = 0',
    '\tfilemode = true',
    '\tbare = false',
    '\tlogallrefupdates = true',
    '[remote "origin"]',
    `\turl = ${configValue(repo.path)}`,
    '\tfetch = +refs/heads/*:refs/remotes/origin/*',
    '',
  ].join('\n');
  await Promise.all([
    writeFile(join(git, 'config'), config),
    writeFile(join(git, 'HEAD'), `ref: refs/heads/${defaultBranch ?? 'main'}\n`),
    writeFile(join(git, 'objects/info/alternates'), `${repo.objects}\n`),
    writeFile(join(git, 'packed-refs'), refs.map((r) => `${r}\n`).join('')),
    defaultBranch !== undefined && repo.branches.has(defaultBranch)
      ? writeFile(join(git, 'refs/remotes/origin/HEAD'), `ref: refs/remotes/origin/${defaultBranch}\n`)
      : undefined,
  ]);
}

/** A value for git's config file: quoted, with the characters git escapes in quotes escaped. */
function configValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
