import { chownSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeOwned } from './repository-checkout.ts';
import type { StepWork } from './step-work.ts';

/**
 * Writes a file into the build's HOME (its directories made as the build's user), for a tool that
 * reads its settings there. The HOME is fresh for each build, so nothing there is the build's yet
 * but what an earlier step wrote: an existing file is replaced, a symbolic link in its place too.
 */
export function writeHomeFile(
  home: string,
  relative: string,
  text: string,
  owner: { uid: number; gid: number } | undefined,
): void {
  const parts = relative.split('/');
  let dir = home;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    const stat = lstatSync(dir, { throwIfNoEntry: false });
    if (stat && !stat.isDirectory()) rmSync(dir, { force: true });
    if (!stat?.isDirectory()) {
      mkdirSync(dir, { mode: 0o755 });
      if (owner) chownSync(dir, owner.uid, owner.gid);
    }
  }
  const file = join(home, relative);
  rmSync(file, { force: true });
  writeOwned(file, text, owner);
}

/** Writes each script step's script to its file; returns their names, by step index. */
export function writeStepScripts(
  ctl: string,
  work: readonly StepWork[],
  owner: { uid: number; gid: number } | undefined,
): (string | undefined)[] {
  return work.map((todo, index) => {
    if (!('script' in todo)) return undefined;
    const name = `step-${index + 1}.sh`;
    writeOwned(join(ctl, name), todo.script, owner);
    return name;
  });
}
