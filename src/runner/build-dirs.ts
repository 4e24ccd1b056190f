import { chownSync, existsSync, mkdirSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from './launcher.ts';
import type { BuildDirs } from './sandbox.ts';

/**
 * A build's directories on the runner's disk, all under `<work>/builds/<record id>/`: the
 * workspace, a fresh HOME and /tmp (private to the build, gone with it), and `ctl` for the scripts
 * the runner writes. Made for the build's user (`owner`) when the runner is root.
 */
export function makeBuildDirs(
  workDir: string,
  recordId: string,
  owner: { uid: number; gid: number } | undefined,
): BuildDirs & { root: string } {
  const root = join(workDir, 'builds', recordId);
  const dirs = {
    root,
    workspace: join(root, 'workspace'),
    home: join(root, 'home'),
    tmp: join(root, 'tmp'),
    ctl: join(root, 'ctl'),
  };
  mkdirSync(root, { recursive: true, mode: 0o700 });
  for (const dir of [dirs.workspace, dirs.home, dirs.tmp, dirs.ctl]) {
    mkdirSync(dir, { mode: 0o700 });
    if (owner) chownSync(dir, owner.uid, owner.gid);
  }
  return dirs;
}

/** Longest a tree's removal may take (a build may leave its whole disk allowance in tiny files). */
const REMOVE_TIMEOUT_MS = 60 * 60_000;

/**
 * Removes a tree the build wrote, with `rm -rf` started by the launcher: a build decides the
 * tree's shape, and Node's own recursive rm fails on paths deeper than PATH_MAX (the tree then
 * stayed on disk for good) and, on hundreds of thousands of files, held the server's event loop
 * for seconds and its memory at a gigabyte. A build can also take the write permission off its
 * own directories: a runner that is not root gives it back (`chmod -R`) and tries again.
 */
export async function removeTree(path: string): Promise<void> {
  const rmTree = () => runCommand('rm', ['-rf', '--one-file-system', '--', path], REMOVE_TIMEOUT_MS);
  if ((await rmTree()).error === undefined) return;
  await runCommand('chmod', ['-R', 'u+rwx', '--', path], REMOVE_TIMEOUT_MS);
  const { error } = await rmTree();
  if (error !== undefined)
    throw new Error(`cannot remove ${path}: ${error.split('\n').slice(0, 3).join(' ')}`);
}

/**
 * After the build: its directories go, except the workspace of a job that keeps it, which replaces
 * the job's previous one under `<work>/kept/<job id>`.
 */
export async function cleanBuildDirs(
  workDir: string,
  dirs: BuildDirs & { root: string },
  keepFor: string | undefined,
): Promise<void> {
  if (keepFor) {
    const keptDir = join(workDir, 'kept');
    const kept = join(keptDir, keepFor);
    await mkdir(keptDir, { recursive: true, mode: 0o700 });
    await removeTree(kept);
    await rename(dirs.workspace, kept).catch(() => undefined);
  }
  await removeTree(dirs.root);
}

/** Builds a crashed runner left behind (their builds were ended by the server). */
export async function removeLeftoverBuilds(workDir: string): Promise<void> {
  const builds = join(workDir, 'builds');
  if (existsSync(builds)) await removeTree(builds);
  // Before sandboxes, builds shared these; nothing uses them now.
  for (const old of ['workspaces', 'scripts', 'home']) await removeTree(join(workDir, old));
}
