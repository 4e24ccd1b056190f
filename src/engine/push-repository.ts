import { isLocalRepository, pushedRepositoryIs } from '../domain/scm.ts';
import { maskUrlCredentials } from '../domain/url-credentials.ts';

/**
 * Whether a push is to the job's own repository. A host sends a push of repository B to every
 * webhook B has, and a job's webhook may have been given to B too: a push of B would otherwise
 * build the job's repository A at B's branch and commit (as Jenkins' git plugin, Kiln matches the
 * pushed repository against the job's). The payload names its repository several ways (https, ssh
 * and git:// clone URLs, its web page); any of them naming the job's repository, or its web page,
 * will do.
 *
 * Nothing to compare, so the push is taken as the job's: a payload that names no repository (a
 * hand-made delivery, which the job's secret signs all the same), and a job whose repository is a
 * path on the Kiln machine (a local path or file://, which no host's URL names) unless the job names
 * the host's repository as its web page (`web_url`: a local mirror of it), which is then compared.
 */

/** The longest pushed URL a reason quotes. */
const SHOWN_URL = 200;

/** A URL for a reason: no credentials, no control characters, cut short. */
function shown(url: string): string {
  const masked = maskUrlCredentials(url);
  const text = /^[\x21-\x7e]*$/.test(masked) ? masked : JSON.stringify(masked);
  return text.length > SHOWN_URL ? `${text.slice(0, SHOWN_URL)}...` : text;
}

/** Why the push is not one of the job's repository, or undefined when it is (or cannot be told). */
export function whyNotThisRepository(
  scm: { url: string; webUrl: string } | undefined,
  pushed: string[],
): string | undefined {
  const first = pushed[0];
  if (!scm || first === undefined) return undefined;
  const local = isLocalRepository(scm.url);
  if (local && scm.webUrl === '') return undefined;
  const own = [local ? '' : scm.url, scm.webUrl].filter((u) => u !== '');
  if (pushed.some((p) => own.some((u) => pushedRepositoryIs(p, u)))) return undefined;
  const builds = local ? `${shown(scm.url)}, a mirror of ${shown(scm.webUrl)} (its web_url)` : shown(scm.url);
  return `the push is for repository ${shown(first)}; the job builds ${builds}`;
}
