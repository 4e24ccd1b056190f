/**
 * A build log's sections: each step's lines, where the server's record of the build says the
 * step's bytes are (ShowBuildRecordFullStages' `log_start_offset` and `log_end_offset`, the offsets
 * the runner reported as the step began and ended), from the line Kiln writes as it starts
 * (`[kiln] step 2/5 "test"`) to the last before the next stage's. Nothing in the log's text makes a
 * section: a build that prints a line like Kiln's own (`echo '[kiln] step 9/9 "x"'`) forges none,
 * and ends none early. The lines before the first step (the checkout), between steps and after the
 * last are no section.
 */
export interface LogSection {
  /** The step's number (1-based): its stage's sequence. */
  step: number;
  /** The index of its first line (the step's own) and of the line after its last. */
  start: number;
  end: number;
}

/** Where one step's bytes are in the build log; `end` null while it may still write. */
export interface StepRange {
  step: number;
  start: number;
  end: number | null;
}

/** The fields of a stage (ShowBuildRecordFullStages) that say where its bytes are. */
interface StageBytes {
  execution_stage_name: string;
  sequence: number;
  log_start_offset: number;
  log_end_offset: number;
}

/** Whether a stage (its `execution_stage_name`) is one of the build's steps: `stage1`.., not `initial` or `final`. */
export function isStepStage(name: string): boolean {
  return /^stage\d+$/.test(name);
}

/** The steps' ranges among `stages` (`stage1`..; not `initial` or `final`), those that have begun. */
export function stepRanges(stages: readonly StageBytes[]): StepRange[] {
  return stages
    .filter((s) => isStepStage(s.execution_stage_name) && s.log_start_offset >= 0)
    .map((s) => ({
      step: s.sequence,
      start: s.log_start_offset,
      end: s.log_end_offset >= 0 ? s.log_end_offset : null,
    }))
    .sort((a, b) => a.start - b.start);
}

/**
 * The sections of the lines that start at byte offsets `starts` (LogBuffer.lineStarts), in order.
 * A step's section starts at the first line that starts at or past its first byte (the runner
 * writes a line end first when the output before it did not end its line), and ends before the
 * first that starts at or past its end. A step whose first line is not held (before the part
 * read of a long log) has no section: its header is not there to fold it under.
 */
export function logSections(starts: readonly number[], ranges: readonly StepRange[]): LogSection[] {
  const out: LogSection[] = [];
  const count = starts.length;
  if (count === 0) return out;
  for (const r of ranges) {
    if (r.start < (starts[0] as number)) continue;
    const start = positionOf(starts, r.start);
    if (start >= count) continue;
    const end = r.end === null ? count : positionOf(starts, r.end);
    const prev = out[out.length - 1];
    // Offsets only grow, stage after stage; a section never reaches back over the one before.
    if (end <= start || (prev && start < prev.end)) continue;
    out.push({ step: r.step, start, end });
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

/**
 * Where `value` is in `sorted`, or where it would go: the index of the first item at or past it
 * (`sorted.length` when none is). A line's place among the lines shown; the first line that starts
 * at or past a byte offset.
 */
export function positionOf(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
