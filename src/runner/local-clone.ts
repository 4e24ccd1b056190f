import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

// A linked clone: a build's workspace made from a repository on the runner's own disk without
// `git clone`. The repository's few small files are read and written synchronously: each call takes
// microseconds on a local disk, a trip through libuv's thread pool about ten times that, and this
// is on the path from trigger to step start.

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

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function exists(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}

/**
 * Past this many loose refs, reading them synchronously would hold up the server (about 10 µs
 * each): such a repository is left to `git clone`, which reads them in its own process.
 */
export const MAX_LOOSE_REFS = 500;

/**
 * A name git accepts for a ref (git check-ref-format): others, such as a `main.lock` left by a
 * push in progress, git itself ignores, and so does the linked clone.
 */
function isRefName(name: string): boolean {
  return (
    !/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|\/\/|^\/|\/$|\.$/.test(name) &&
    name !== '@' &&
    name.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'))
  );
}

/**
 * Loose refs under `refs/<kind>/`, by name; undefined when the repository is better left to
 * `git clone`: a symbolic ref among them (git resolves it; this does not), or too many.
 */
function looseRefs(gitDir: string, kind: 'heads' | 'tags'): Map<string, string> | undefined {
  const dir = join(gitDir, 'refs', kind);
  const found = new Map<string, string>();
  const entries = isDirectory(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }) : [];
  const files = entries.filter((e) => e.isFile());
  if (files.length > MAX_LOOSE_REFS) return undefined;
  for (const e of files) {
    const file = join(e.parentPath, e.name);
    const name = file.slice(dir.length + 1);
    if (!isRefName(name)) continue;
    const content = readFileSync(file, 'utf8').trim();
    if (content.startsWith('ref:')) return undefined;
    if (OBJECT_ID.test(content)) found.set(name, content);
  }
  return found;
}

/**
 * Reads a repository given by an absolute path (a working copy or a bare repository) when it is
 * one git's own files describe plainly: SHA-1 objects, files for refs (at most MAX_LOOSE_REFS
 * loose ones of a kind), not shallow, not a linked worktree. Anything else is undefined, and the
 * caller runs `git clone` instead.
 */
export function readLocalRepository(path: string): LocalRepository | undefined {
  // A relative path would mean something else to git in the workspace; a newline has no place in
  // git's config file.
  if (!isAbsolute(path) || path.includes('\n')) return undefined;
  const gitDir = isDirectory(join(path, '.git')) ? join(path, '.git') : path;
  try {
    const config = readFileSync(join(gitDir, 'config'), 'utf8');
    const headText = readFileSync(join(gitDir, 'HEAD'), 'utf8');
    // Extensions (sha256 objects, reftable, ...) change how the files are to be read.
    if (/^\s*\[extensions\b/im.test(config) || /repositoryformatversion\s*=\s*[1-9]/i.test(config)) {
      return undefined;
    }
    const plain =
      isDirectory(join(gitDir, 'objects')) &&
      isDirectory(join(gitDir, 'refs')) &&
      !exists(join(gitDir, 'shallow')) &&
      !exists(join(gitDir, 'commondir'));
    if (!plain) return undefined;

    const branches = new Map<string, string>();
    const tags = new Map<string, string>();
    const packedFile = join(gitDir, 'packed-refs');
    const packed = exists(packedFile) ? readFileSync(packedFile, 'utf8') : '';
    for (const line of packed.split('\n')) {
      const [id = '', name = ''] = line.split(' ');
      if (!OBJECT_ID.test(id) || !isRefName(name)) continue;
      if (name.startsWith('refs/heads/')) branches.set(name.slice('refs/heads/'.length), id);
      else if (name.startsWith('refs/tags/')) tags.set(name.slice('refs/tags/'.length), id);
    }
    // A loose ref is newer than its packed copy.
    const [heads, looseTags] = [looseRefs(gitDir, 'heads'), looseRefs(gitDir, 'tags')];
    if (!heads || !looseTags) return undefined;
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
 * `origin/*`, its tags are copied. With `branch`, that branch is also made at origin's commit,
 * tracking it, and HEAD names it (what `git checkout -B branch origin/branch` would write), so
 * `git read-tree -u --reset HEAD` alone fills the working tree; without, HEAD is left unborn for a
 * checkout that detaches it. `origin/HEAD` names the branch the repository's HEAD names.
 *
 * Written directly, this is a few small files where `git clone` starts three processes and copies
 * its templates (10-35 ms here). Each directory or file made costs from 0.05 to 0.7 ms on this
 * machine's disk, so only those git needs are made. The workspace reads the repository's objects
 * for as long as it exists: a build's workspace, removed when the build ends. A workspace that
 * must stand alone (one the job keeps) is cloned instead.
 */
export function linkRepository(repo: LocalRepository, workspace: string, branch?: string): void {
  const git = join(workspace, '.git');
  mkdirSync(join(git, 'objects', 'info'), { recursive: true });
  mkdirSync(join(git, 'refs'));
  const tip = branch === undefined ? undefined : repo.branches.get(branch);
  const tracking = tip
    ? [
        `[branch ${configValue(branch as string)}]`,
        '\tremote = origin',
        `\tmerge = ${configValue(`refs/heads/${branch}`)}`,
      ]
    : [];
  const refs = [
    ...(tip ? [`${tip} refs/heads/${branch}`] : []),
    ...[...repo.branches].map(([name, id]) => `${id} refs/remotes/origin/${name}`),
    ...[...repo.tags].map(([name, id]) => `${id} refs/tags/${name}`),
  ];
  const config = [
    '[core]',
    '\trepositoryformatversion = 0',
    '\tfilemode = true',
    '\tbare = false',
    '\tlogallrefupdates = true',
    '[remote "origin"]',
    `\turl = ${configValue(repo.path)}`,
    '\tfetch = +refs/heads/*:refs/remotes/origin/*',
    ...tracking,
    '',
  ].join('\n');
  const originHead = 'branch' in repo.head && repo.branches.has(repo.head.branch) ? repo.head.branch : '';
  writeFileSync(join(git, 'config'), config);
  writeFileSync(join(git, 'HEAD'), `ref: refs/heads/${tip ? branch : originHead || 'main'}\n`);
  writeFileSync(join(git, 'objects', 'info', 'alternates'), `${repo.objects}\n`);
  writeFileSync(join(git, 'packed-refs'), refs.map((r) => `${r}\n`).join(''));
  if (originHead) {
    mkdirSync(join(git, 'refs', 'remotes', 'origin'), { recursive: true });
    writeFileSync(join(git, 'refs', 'remotes', 'origin', 'HEAD'), `ref: refs/remotes/origin/${originHead}\n`);
  }
}

/** A value (or subsection name) for git's config file: quoted, `\\` and `"` escaped. */
function configValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
