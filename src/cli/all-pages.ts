/** One page of a list operation: its items and how many the whole list has. */
export interface ListPage<T> {
  items: readonly T[];
  total: number;
}

/** Items asked for per page: the most the API's list operations answer at once. */
export const PAGE_SIZE = 100;

/**
 * Every item of a paged list operation, a page of PAGE_SIZE at a time from page `first` (some
 * operations count pages from 0, others from 1), until a page is empty or `total` items came: a
 * list of the CLI never stops at its first page without a word. A caller that stops iterating
 * (it found the name it looked for) reads no further page.
 */
export async function* allPages<T>(
  read: (page: number) => Promise<ListPage<T>>,
  first: number,
): AsyncGenerator<T> {
  for (let page = first, seen = 0; ; page++) {
    const { items, total } = await read(page);
    yield* items;
    seen += items.length;
    if (items.length === 0 || seen >= total) return;
  }
}

/** allPages read whole, for output that needs every row before the first (tables). */
export async function readAllPages<T>(
  read: (page: number) => Promise<ListPage<T>>,
  first: number,
): Promise<T[]> {
  const all: T[] = [];
  for await (const item of allPages(read, first)) all.push(item);
  return all;
}

/** The first item `matches` picks, reading no page past it; undefined when no page has one. */
export async function findInPages<T>(
  read: (page: number) => Promise<ListPage<T>>,
  first: number,
  matches: (item: T) => boolean,
): Promise<T | undefined> {
  for await (const item of allPages(read, first)) if (matches(item)) return item;
  return undefined;
}
