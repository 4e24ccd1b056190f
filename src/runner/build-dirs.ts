import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
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

/**
 * Removes a tree the build wrote. A build can take the write permission off its own directories;
 * a runner that is not root then gives it back first.
 */
export async function removeTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
  } catch {
    makeWritable(path);
    await rm(path, { recursive: true, force: true });
  }
}

function makeWritable(dir: string): void {
  try {
    chmodSync(dir, 0o700);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) makeWritable(join(dir, entry.name));
    }
  } catch {
    // Not ours to change: rm reports what is left.
  }
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
