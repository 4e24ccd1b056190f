import { openSync, closeSync, fstatSync, lstatSync, readSync, realpathSync, constants } from 'node:fs';
import { join, sep } from 'node:path';
import { MAX_BUILD_YAML_BYTES } from '../domain/build-yaml.ts';

/**
 * Reads a code-based build's build.yml from its checked-out workspace. The repository is untrusted:
 * the path may be a symbolic link to a file of the runner's host (its token, /etc/shadow), so the
 * file is read only when its real path lies inside the workspace, and only as a regular file of a
 * sane size. Nothing of the build has run yet (the checkout runs no code of the repository), so
 * the workspace cannot change between the check and the read.
 */
export function readBuildYamlFile(workspace: string, path: string): { text: string } | { error: string } {
  let real: string;
  try {
    real = realpathSync(join(workspace, path));
  } catch {
    return { error: `${path} is not in the repository at this commit${otherExtension(workspace, path)}` };
  }
  const root = realpathSync(workspace);
  if (!real.startsWith(root + sep)) return { error: `${path} leads outside the repository` };
  let fd: number | undefined;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { error: `${path} is not a file` };
    if (stat.size > MAX_BUILD_YAML_BYTES)
      return {
        error: `${path} has ${stat.size} bytes; a build.yml may have at most ${MAX_BUILD_YAML_BYTES}`,
      };
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < stat.size) {
      const n = readSync(fd, buffer, read, stat.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return { text: buffer.subarray(0, read).toString('utf8') };
  } catch (error) {
    return {
      error: `${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * `build.yaml` for `build.yml` (or the other way round) is the usual slip behind a missing file: the
 * message names the file the repository has. lstat only: whether the name is there, never where a
 * link of it leads.
 */
function otherExtension(workspace: string, path: string): string {
  const match = /\.ya?ml$/.exec(path);
  if (!match) return '';
  const other = path.slice(0, match.index) + (match[0] === '.yml' ? '.yaml' : '.yml');
  try {
    lstatSync(join(workspace, other));
  } catch {
    return '';
  }
  return ` (it has ${other}: rename it, or name it in the parameter CB_BUILD_YAML_PATH)`;
}
