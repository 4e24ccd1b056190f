/** Repository types a job may name in `scms[].scm_type`. */
export const SCM_TYPES = ['codehub', 'repo', 'github', 'gitlab', 'gitee', 'gitea', 'git'] as const;
export type ScmType = (typeof SCM_TYPES)[number];

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
