import type { LogLine } from './log-buffer.ts';

/**
 * A build log's sections: each step's lines, from the line the runner writes as the step starts
 * (`[kiln] step 2/5 "test"`) to the next such line or the build's end (`[kiln] build finished`).
 * The lines before the first step (the checkout) are no section.
 */
export interface LogSection {
  /** The step's number (1-based) and name, as the line gives them. */
  step: number;
  name: string;
  /** The index of its first line (the step's own) and of the line after its last. */
  start: number;
  end: number;
}

const STEP_LINE = /^\[kiln\] step (\d+)\/\d+ "(.*)"$/;
const BUILD_END = /^\[kiln\] build finished: /;

/** The sections of `lines`, in order. */
export function logSections(lines: readonly LogLine[]): LogSection[] {
  const out: LogSection[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = (lines[i] as LogLine).text;
    // Only Kiln's own lines can start or end a section: a quick test before the patterns.
    if (!text.startsWith('[kiln] ')) continue;
    const step = STEP_LINE.exec(text);
    const open = out[out.length - 1];
    if ((step || BUILD_END.test(text)) && open && open.end === lines.length) open.end = i;
    if (step) out.push({ step: Number(step[1]), name: step[2] ?? '', start: i, end: lines.length });
  }
  return out;
}

/**
 * The indices of the lines to show when the sections of `collapsed` (step numbers) are folded to
 * their first line; undefined when none is (every line shows).
 */
export function shownLines(
  count: number,
  sections: readonly LogSection[],
  collapsed: ReadonlySet<number>,
): number[] | undefined {
  const folded = sections.filter((s) => collapsed.has(s.step));
  if (folded.length === 0) return undefined;
  const out: number[] = [];
  let next = 0;
  for (const s of folded) {
    for (let i = next; i <= s.start; i++) out.push(i);
    next = Math.max(next, s.end);
  }
  for (let i = next; i < count; i++) out.push(i);
  return out;
}

/** Where line `index` is in `shown` (sorted), or where it would go. */
export function positionOf(shown: readonly number[], index: number): number {
  let lo = 0;
  let hi = shown.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((shown[mid] as number) < index) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
