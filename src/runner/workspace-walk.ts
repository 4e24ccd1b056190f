import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Walks the workspace (or a directory of it) in name order without following symbolic links and
 * skipping `.git`, handing each directory and regular file to `visit` as a `/`-separated path
 * relative to the workspace. Stops after `maxEntries` entries (returns false then) or when `visit`
 * returns 'stop'; a directory `visit` answers 'skip' for is not entered.
 */
export async function walkWorkspace(
  workspace: string,
  visit: (path: string, isDirectory: boolean) => 'skip' | 'stop' | void,
  maxEntries: number,
  under = '',
): Promise<boolean> {
  let visited = 0;
  let stopped = false;
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(join(workspace, relative), { withFileTypes: true }).catch(() => []);
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
        else if (answer !== 'skip') await walk(path);
      } else if (entry.isFile() && visit(path, false) === 'stop') stopped = true;
    }
  };
  await walk(under);
  return visited <= maxEntries;
}
