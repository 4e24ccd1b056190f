import { mirrorFailureReason } from './checkout.ts';
import type { MirrorCache, MirrorFailure, MirrorHold } from './mirrors.ts';

/** Submodules within submodules are followed this deep. */
const MAX_DEPTH = 5;

/**
 * A submodule's URL as git makes it from `.gitmodules`: a relative one (`../lib.git`, `./lib`) is
 * taken against the URL of the repository that names it, one path component up per `../` (in an
 * scp-like `host:path` URL the path may start right after the colon); an absolute one is kept.
 */
export function submoduleUrl(url: string, superUrl: string): string {
  if (!url.startsWith('./') && !url.startsWith('../')) return url;
  let base = superUrl.replace(/\/+$/, '');
  let separator = '/';
  let rest = url;
  for (;;) {
    if (rest.startsWith('./')) rest = rest.slice(2);
    else if (rest.startsWith('../')) {
      rest = rest.slice(3);
      const slash = base.lastIndexOf('/');
      const colon = base.includes('://') ? -1 : base.lastIndexOf(':');
      if (slash > colon) [base, separator] = [base.slice(0, slash), '/'];
      else if (colon >= 0) [base, separator] = [base.slice(0, colon), ':'];
      else [base, separator] = ['', ''];
    } else break;
  }
  return `${base}${separator}${rest}`;
}

/**
 * Makes the runner's mirrors hold every submodule of `commit`, and theirs, at the commits the
 * superproject names (fetching them if new); each hold goes into `holds` (the build releases them
 * when it ends, failed or not). Answers, for each submodule URL, a rule
 * `url.<its mirror>.insteadOf=<URL>` for the build's `git submodule update` (`mirrorsInside`: where
 * a build sees the mirrors), so the build needs no network for them.
 */
export async function mirrorSubmodules(
  mirrors: MirrorCache,
  slot: number,
  root: { hold: MirrorHold; commit: string; url: string },
  mirrorsInside: string,
  context: { write: (data: Buffer) => void; freshSince: number; holds: MirrorHold[]; signal: AbortSignal },
): Promise<string[] | MirrorFailure> {
  const rewrites: string[] = [];
  const seen = new Set([root.url]);
  let level = [root];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: (typeof root)[] = [];
    for (const parent of level) {
      const listed = await parent.hold.submodules(slot, parent.commit, context.signal);
      if ('failure' in listed) return listed;
      for (const submodule of listed) {
        const url = submoduleUrl(submodule.url, parent.url);
        if (seen.has(url)) continue;
        seen.add(url);
        const hold = mirrors.hold(url);
        if ('error' in hold) {
          return { failure: 'keeper', detail: `submodule ${submodule.path} (${url}) ${hold.error}` };
        }
        context.holds.push(hold);
        const resolved = await hold.update(
          slot,
          { kind: 'commit', ref: '', commit: submodule.commit },
          context.write,
          context.freshSince,
          async (r) => r,
          context.signal,
        );
        if ('failure' in resolved) {
          const scm = { url, buildType: 'commit' as const, ref: '', commit: submodule.commit };
          return {
            failure: 'keeper',
            detail: `submodule ${submodule.path}: ${mirrorFailureReason(resolved, scm)}`,
          };
        }
        rewrites.push(`url.${mirrorsInside}/${hold.name}.insteadOf=${url}`);
        next.push({ hold, commit: submodule.commit, url });
      }
    }
    level = next;
  }
  return rewrites;
}
