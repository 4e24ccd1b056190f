import { realpathSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a job's repository is: a remote git fetches over the network, or a path on this machine. */
export type RepositorySource = { kind: 'remote'; url: string } | { kind: 'local'; path: string };

/** Transports a build may name; git's others (ext::, fd::) run commands or need file descriptors. */
const REMOTE_SCHEMES = ['https', 'http', 'ssh', 'git', 'git+ssh', 'ssh+git'];

/**
 * What `url` names, or why the runner will not fetch it: a reason that reads on from the URL, which
 * the build's log names before it (`checkout failed: <url> <reason>`). A path on the runner's disk (plain, or a
 * file:// URL) must lie in one of `allowed` (KILN_LOCAL_REPOSITORIES): otherwise any user who may
 * edit a job could read every repository on the machine, another tenant's kept workspace among
 * them.
 */
export function repositorySource(url: string, allowed: string[]): RepositorySource | { error: string } {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'file') {
    return REMOTE_SCHEMES.includes(scheme)
      ? { kind: 'remote', url }
      : {
          error: `uses the ${scheme}:// transport, which is not supported (use ${REMOTE_SCHEMES.join(', ')} or file)`,
        };
  }
  if (!scheme && /^[^/]+@[^/]+:/.test(url)) return { kind: 'remote', url }; // scp-like: git@host:path
  if (!scheme && url.includes('::'))
    return { error: 'uses a git remote helper (transport::address), which is not supported' };
  let path: string;
  try {
    path = scheme ? fileURLToPath(url) : url;
  } catch {
    return { error: 'is not a valid file:// URL' };
  }
  if (!isAbsolute(path))
    return { error: 'is not an absolute path, which a repository on the runner must be named by' };
  const real = resolveReal(resolve(path));
  const inside = allowed.some((dir) => {
    const root = resolveReal(dir);
    return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
  });
  if (!inside) {
    return {
      error:
        allowed.length === 0
          ? "is on the runner, and repositories on the runner are not allowed (the runner's KILN_LOCAL_REPOSITORIES names no directory)"
          : `is not in a directory the runner may read repositories from (KILN_LOCAL_REPOSITORIES: ${allowed.join(', ')})`,
    };
  }
  return { kind: 'local', path: real };
}

/** The path with symbolic links resolved, as far as it exists. */
function resolveReal(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
