/** One side of a row of a side-by-side diff. */
export interface DiffCell {
  /** The line's number in its version. */
  line: number;
  text: string;
  kind: 'same' | 'removed' | 'added';
}

/** A row: the old version's line on the left, the new one's on the right, or a hunk header. */
export interface DiffRow {
  left?: DiffCell;
  right?: DiffCell;
  /** `@@ -a,b +c,d @@` starts a hunk (the rows between hunks are unchanged and not shown). */
  hunk?: string;
}

/**
 * A unified diff (ShowJobConfigDiff) as side-by-side rows: unchanged lines on both sides, and each
 * run of removed lines paired row by row with the added lines that replace it.
 */
export function sideBySide(patch: string): DiffRow[] {
  const rows: DiffRow[] = [];
  let inHunk = false;
  let oldLine = 0;
  let newLine = 0;
  let removed: DiffCell[] = [];
  let added: DiffCell[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++) {
      const row: DiffRow = {};
      if (removed[i]) row.left = removed[i];
      if (added[i]) row.right = added[i];
      rows.push(row);
    }
    removed = [];
    added = [];
  };
  for (const line of patch.split('\n')) {
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      flush();
      inHunk = true;
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      rows.push({ hunk: line });
    } else if (!inHunk) {
      continue; // the file headers (---, +++, ===) before the first hunk
    } else if (line.startsWith('-')) {
      removed.push({ line: oldLine++, text: line.slice(1), kind: 'removed' });
    } else if (line.startsWith('+')) {
      added.push({ line: newLine++, text: line.slice(1), kind: 'added' });
    } else if (line.startsWith(' ')) {
      flush();
      const text = line.slice(1);
      rows.push({
        left: { line: oldLine++, text, kind: 'same' },
        right: { line: newLine++, text, kind: 'same' },
      });
    }
  }
  flush();
  return rows;
}
