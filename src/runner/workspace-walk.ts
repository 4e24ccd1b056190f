import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { at, DIRECTORY, openDirectoryBeneath, readOpenDirectory } from './file-beneath.ts';

/** Deepest a walk goes: each level holds a descriptor while its directories below are walked. */
export const MAX_DEPTH = 256;

/**
 * Walks the workspace (or a directory of it) in name order without following symbolic links and
 * skipping `.git`, handing each directory and regular file to `visit` as a `/`-separated path
 * relative to the workspace. Stops after `maxEntries` entries or when `visit` returns 'stop', and
 * goes no deeper than MAX_DEPTH (false when it left something out for either limit); a directory `visit` answers 'skip' for is not entered. Each directory is listed
 * through a descriptor opened in its parent's without following a link (file-beneath.ts): a
 * directory the build swaps for a link meanwhile is not entered, wherever it is.
 */
export async function walkWorkspace(
  workspace: string,
  visit: (path: string, isDirectory: boolean) => 'skip' | 'stop' | void,
  maxEntries: number,
  under = '',
): Promise<boolean> {
  let visited = 0;
  let stopped = false;
  let tooDeep = false;
  const walk = async (dir: FileHandle, relative: string, depth: number): Promise<void> => {
    const entries = await readOpenDirectory(dir).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (stopped) return;
      if (++visited > maxEntries) {
        stopped = true;
        return;
      }
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name === '.git') continue;
        const answer = visit(path, true);
        if (answer === 'stop') stopped = true;
        else if (answer !== 'skip' && depth >= MAX_DEPTH) tooDeep = true;
        else if (answer !== 'skip') {
          const child = await open(at(dir.fd, entry.name), DIRECTORY).catch(() => undefined);
          if (!child) continue;
          try {
            await walk(child, path, depth + 1);
          } finally {
            await child.close();
          }
        }
      } else if (entry.isFile() && visit(path, false) === 'stop') stopped = true;
    }
  };
  const top = await openDirectoryBeneath(workspace, under).catch(() => undefined);
  if (top) {
    try {
      await walk(top, under.replace(/\/+$/, ''), 0);
    } finally {
      await top.close();
    }
  }
  return visited <= maxEntries && !tooDeep;
}
