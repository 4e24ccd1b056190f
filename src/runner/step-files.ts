import { join } from 'node:path';
import { writeBeneathSync } from './file-beneath.ts';
import { writeOwned } from './repository-checkout.ts';
import type { StepWork } from './step-work.ts';

/**
 * Writes a file into the build's HOME (its directories made as the build's user), for a tool that
 * reads its settings there. The HOME is fresh for each build, so nothing there is the build's yet
 * but what an earlier step wrote: an existing file is replaced, a symbolic link in its place or in
 * place of any directory on the way too, and no link is followed (file-beneath.ts).
 */
export function writeHomeFile(
  home: string,
  relative: string,
  text: string,
  owner: { uid: number; gid: number } | undefined,
): void {
  writeBeneathSync({ root: home, path: relative }, text, owner);
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
