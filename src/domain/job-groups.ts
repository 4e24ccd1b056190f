import { hasControlChars } from './control-chars.ts';
import { invalidParam } from './errors.ts';

/**
 * Job groups: folders of a project's jobs, nested. A group's path id is its ancestors' ids and its
 * own joined by dots (as CodeArts' `path_id` and `group_path_id` are), so a subtree is a prefix.
 */

/** The deepest a group may sit (a top-level group is at depth 1). */
export const MAX_GROUP_DEPTH = 10;
/** The longest group name. */
export const MAX_GROUP_NAME = 128;
/** The longest path id: MAX_GROUP_DEPTH ids and the dots between them. */
export const MAX_GROUP_PATH = MAX_GROUP_DEPTH * 33 - 1;

const PATH_ID = new RegExp(`^[0-9a-z]{32}(\\.[0-9a-z]{32}){0,${MAX_GROUP_DEPTH - 1}}$`);

/** True when `text` is a well-formed group path id. */
export function isGroupPath(text: string): boolean {
  return PATH_ID.test(text);
}

/** The path id of a group `id` under a parent with path `parentPath` (undefined: top level). */
export function childPath(parentPath: string | undefined, id: string): string {
  return parentPath === undefined ? id : `${parentPath}.${id}`;
}

/** How deep the group with this path sits (1: top level). */
export function depthOf(pathId: string): number {
  return pathId.split('.').length;
}

/** A group name as given, checked: 1 to 128 characters, no control characters or slashes. */
export function checkedGroupName(name: string): string {
  if (name.trim() === '') throw invalidParam('name: a group needs a name');
  if (name.length > MAX_GROUP_NAME) throw invalidParam(`name: at most ${MAX_GROUP_NAME} characters`);
  if (hasControlChars(name) || /[/\\]/.test(name))
    throw invalidParam('name: must not contain control characters or slashes');
  return name;
}

/**
 * A group tree depth first, each group after its parent, with its names from the top joined by
 * slashes (`apps/web`: names hold no slash and siblings' names differ, so a path names one group).
 */
export function groupPaths<T extends { name: string; children: T[] }>(
  nodes: readonly T[],
  parent = '',
): { node: T; path: string }[] {
  return nodes.flatMap((node) => {
    const path = parent === '' ? node.name : `${parent}/${node.name}`;
    return [{ node, path }, ...groupPaths(node.children, path)];
  });
}
