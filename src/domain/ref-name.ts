/**
 * Branch and tag names, by git's own rules (`git check-ref-format`, applied to
 * `refs/heads/<name>`), plus what `git branch` refuses (a leading `-`, `HEAD`) and Kiln's length
 * limit. A name that passes is safe to hand to git as an argument: it cannot be read as an
 * option, a revision expression (`~`, `^`, `@{`, `..`, `:`) or a glob.
 */

/** The longest branch or tag name Kiln takes. */
export const MAX_REF_NAME_LENGTH = 255;

// Control characters, space, DEL and the characters git reserves: ~ ^ : ? * [ \
const FORBIDDEN = /[\u0000-\u0020\u007f~^:?*[\\]/;

/** True for a branch or tag name git accepts and Kiln can pass to git safely. */
export function isValidRefName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_REF_NAME_LENGTH) return false;
  if (name.startsWith('-') || name === 'HEAD') return false;
  if (FORBIDDEN.test(name) || name.includes('..') || name.includes('@{')) return false;
  if (name.endsWith('.')) return false;
  // Each slash-separated component: not empty (no leading, trailing or double slash), not starting
  // with a dot, not ending with `.lock`.
  return name.split('/').every((c) => c.length > 0 && !c.startsWith('.') && !c.endsWith('.lock'));
}
