import { MASK } from './build.ts';

/**
 * Credentials written into repository URLs (`https://user:token@host/...`, `https://TOKEN@host/...`)
 * and how they are hidden wherever a URL is shown: API answers to readers who may not edit the job,
 * the build history, build logs.
 *
 * The rule: in `scheme://userinfo@host...` the userinfo is replaced by `******`, whatever the
 * scheme, unless it is empty or exactly `git`. A user name alone is masked too, because hosts take
 * a token there (`https://TOKEN@github.com/...`, `https://TOKEN:x-oauth-basic@...`); only `git`, the
 * user name of SSH hosting, is known to be no secret. The scp-like SSH form `user@host:path` has no
 * `://` and is left as it is: SSH takes no password in the address, so its user name is never a
 * secret. The whole userinfo goes, not only a password: the token may be either half.
 *
 * The same rule reads URLs in free text (a build log): the authority ends at `/`, `?`, `#`, white
 * space, a control character or a character a URL cannot hold (`"<>\^\`{|}`), and the userinfo runs
 * to its last `@` (as curl and git read `https://u:p@ss@host`).
 */

/** The most authority characters read after `://` when looking for its last `@`. */
export const MAX_AUTHORITY = 4096;

/** Printable characters that end an authority (besides white space and controls, 0x00-0x20 and 0x7f). */
const END_CHARS = '/?#"<>\\^`{|}';
const AUTHORITY_END = `\\x00-\\x20\\x7f${END_CHARS.replace(/[\\^]/g, '\\$&')}`;

/** `://`, the userinfo (group 1) and its `@`; global, so use with replace/matchAll only. */
const USERINFO = new RegExp(`://([^${AUTHORITY_END}]{0,${MAX_AUTHORITY}})@`, 'g');

/** True for a character (or byte, as a char code) that ends a URL's authority in text. */
export function endsAuthority(code: number): boolean {
  return code <= 0x20 || code === 0x7f || END_CHARS.includes(String.fromCharCode(code));
}

/** True when a URL's userinfo is a secret to hide (anything but nothing and the user name `git`). */
export function isSecretUserinfo(userinfo: string): boolean {
  return userinfo !== '' && userinfo !== 'git';
}

/**
 * The URL (or any text) with the userinfo of every `scheme://userinfo@` replaced by `******`:
 * `https://user:token@host/r` and `https://TOKEN@host/r` become `https://******@host/r`;
 * `ssh://git@host/r`, `git@host:r`, `https://host/r` and local paths stay as they are.
 */
export function maskUrlCredentials(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(USERINFO, (match, userinfo: string) =>
    isSecretUserinfo(userinfo) ? `://${MASK}@` : match,
  );
}

/** The userinfo of the first `scheme://userinfo@` of a URL; undefined when it has none. */
export function urlUserinfo(url: string): string | undefined {
  if (!url.includes('://')) return undefined;
  for (const m of url.matchAll(USERINFO)) return m[1];
  return undefined;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The strings a log must not show for the credentials of a URL: each secret userinfo whole, its
 * user name (unless `git`) and its password, as written and percent-decoded (git and credential
 * helpers may print either). The user name is included because it may be the token. Empty when
 * the URL carries no secret.
 */
export function urlCredentials(url: string): string[] {
  const found = new Set<string>();
  if (!url.includes('://')) return [];
  for (const m of url.matchAll(USERINFO)) {
    const userinfo = m[1] as string;
    if (!isSecretUserinfo(userinfo)) continue;
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    const password = colon < 0 ? '' : userinfo.slice(colon + 1);
    for (const part of [userinfo, isSecretUserinfo(user) ? user : '', password]) {
      if (part === '') continue;
      found.add(part);
      found.add(decoded(part));
    }
  }
  return [...found];
}
