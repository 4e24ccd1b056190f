/** Repository types a job may name in `scms[].scm_type`. */
export const SCM_TYPES = ['codehub', 'repo', 'github', 'gitlab', 'gitee', 'gitea', 'git'] as const;
export type ScmType = (typeof SCM_TYPES)[number];

/** The URL schemes git fetches from (git's own transports; ftp(s) it still reads). */
const GIT_SCHEMES = ['https', 'http', 'ssh', 'git', 'file', 'git+ssh', 'ssh+git', 'ftps', 'ftp'];

/**
 * Why git could not fetch `url` as a repository, or undefined when it could: a URL of a scheme
 * git speaks, `[user@]host:path` (scp's form, as `git@host:group/repo.git`), or an absolute path.
 * Checked when a job is saved, so that a typo fails there and not at every build's checkout.
 */
export function repositoryUrlProblem(url: string): string | undefined {
  if (/[\u0000-\u001f\u007f]/.test(url)) return 'must not contain control characters (a line break, a tab)';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (!GIT_SCHEMES.includes(scheme))
      return `uses ${scheme}://, which git does not fetch from: use https://, ssh://, git:// or file://`;
    return /^[^:]+:\/\/[^/\s]/.test(url) || (scheme === 'file' && url.length > 'file://'.length)
      ? undefined
      : `has no host after ${scheme}://`;
  }
  if (/^[a-z][a-z0-9+.-]*::/i.test(url))
    return 'names a git remote helper (such as ext::), which Kiln does not run';
  if (url.startsWith('/')) return undefined;
  // scp's form: a colon before any slash (git reads `host:path` so, and a path otherwise).
  if (/^(?:[^@/\s]+@)?[^/:\s]+:[^\s]/.test(url)) return undefined;
  return 'must be a repository URL (https://host/group/repo.git, ssh://…, git@host:group/repo.git) or an absolute path';
}

function base(webUrl: string): string {
  return webUrl
    .trim()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
}

/**
 * The web page of a commit, derived from the repository's web page the way each host lays out its
 * URLs; "" when the host is unknown or the job has no web URL.
 */
export function commitDetailUrl(scmType: string, webUrl: string, commitId: string): string {
  if (!webUrl || !commitId || !/^https?:\/\//.test(webUrl)) return '';
  const root = base(webUrl);
  switch (scmType) {
    case 'codehub':
    case 'repo':
      // CodeHub web URLs end in /home: https://host/codehub/2111750206/home -> .../2111750206/<sha>/commitdetail
      return `${root.replace(/\/home$/, '')}/${commitId}/commitdetail`;
    case 'github':
    case 'gitee':
    case 'gitea':
      return `${root}/commit/${commitId}`;
    case 'gitlab':
      return `${root}/-/commit/${commitId}`;
    default:
      return '';
  }
}

/** A repository's name as CodeArts shows it: the URL's last path segment without `.git`. */
export function repositoryNameOf(url: string): string {
  // Userinfo is never part of a name (a URL with a token and no path would give the token).
  const path = url
    .replace(/[?#].*$/, '')
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1')
    .replace(/\/+$/, '');
  const last = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf(':')) + 1);
  return last.replace(/\.git$/, '');
}

/**
 * Where a repository URL points, as one text for comparing: the host (lower case, port kept) and
 * the path, without scheme, credentials, trailing slashes or `.git`. The same repository named by
 * its SSH clone URL (`git@host:group/repo.git`, as CodeArts' checkout examples give it), its https
 * URL or `ssh://git@host/group/repo` reads the same. An SSH user other than forges' `git` is kept
 * (`alice@host:repo` is in alice's home), and so is whether an scp-style path is absolute; a path
 * or file:// URL is its path (and host). When in doubt two URLs read as different: the checkout
 * then needs a path of its own, never the job's repository for another.
 *
 * `hosted` reads it as a git host does (for a push webhook, pushedRepositoryIs): without the SSH
 * user or the port (a host serves the same repository over https, ssh on another port, git://) and
 * in lower case (GitHub, GitLab, Gitea and CodeArts Repo names are case-insensitive).
 */
function repositoryPlace(url: string, hosted = false): string {
  const trimmed = (path: string) => path.replace(/\/+$/, '').replace(/\.git$/, '');
  const sshUser = (user: string) => (hosted || user === '' || user === 'git' ? '' : `${user}@`);
  const hostOf = (host: string) => (hosted ? host.replace(/:\d*$/, '') : host).toLowerCase();
  const withScheme = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(.*)$/i.exec(url);
  if (withScheme) {
    const [, rawScheme = '', authority = '', path = ''] = withScheme;
    const scheme = rawScheme.toLowerCase();
    if (scheme === 'file') {
      let decoded = path;
      try {
        decoded = decodeURI(path);
      } catch {
        // A malformed escape: compared as written.
      }
      const host = authority.toLowerCase();
      return `${host === 'localhost' ? '' : host}${trimmed(decoded)}`;
    }
    const at = authority.lastIndexOf('@');
    const host = hostOf(authority.slice(at + 1));
    // Over http(s) a user name is a credential; over ssh it chooses whose repository.
    const user = scheme.includes('ssh') && at >= 0 ? sshUser(authority.slice(0, at).split(':')[0] ?? '') : '';
    const place = `${user}${host}/${trimmed(path).replace(/^\/+/, '')}`;
    return hosted ? place.toLowerCase() : place;
  }
  const scp = /^(?:([^@/\s]+)@)?([^/:\s]+):(.*)$/.exec(url);
  if (scp) {
    const [, user = '', host = '', path = ''] = scp;
    const place = trimmed(path);
    const read = `${sshUser(user)}${hostOf(host)}/${place.startsWith('/') ? `/${place}` : place}`;
    return hosted ? read.toLowerCase() : read;
  }
  return trimmed(url);
}

/** Whether two repository URLs name the same repository (repositoryPlace). */
export function sameRepository(a: string, b: string): boolean {
  return a === b || repositoryPlace(a) === repositoryPlace(b);
}

/** Whether a repository URL is a path on this machine (an absolute path or file://), not a host's. */
export function isLocalRepository(url: string): boolean {
  return url.startsWith('/') || /^file:\/\//i.test(url);
}

/**
 * Whether `pushed`, a URL a git host's push payload gives its repository by, names the hosted
 * repository `url` (repositoryPlace, read as the host does). Never true of a local repository.
 */
export function pushedRepositoryIs(pushed: string, url: string): boolean {
  if (isLocalRepository(url) || isLocalRepository(pushed)) return false;
  return repositoryPlace(pushed, true) === repositoryPlace(url, true);
}
