import type { Kiln } from '../../../src/client/kiln-client.ts';

/**
 * Large logs are not read whole: a build page shows the last LOG_TAIL_BYTES of a log longer than
 * LOG_WHOLE_BYTES, follows it from there, and reads earlier parts on demand, a window at a time
 * (DownloadBuildRealTimeLog pages by byte offsets). A window that starts inside a line starts at
 * the next line instead, so every line shown is whole; a line longer than a window is read back to
 * its start (one longer than LONG_LINE_BYTES is shown in parts).
 */

/** A log up to this size is read whole. */
export const LOG_WHOLE_BYTES = 4 * 1024 * 1024;
/** What is read of a longer log first, from its end; and each earlier window (the API's largest page). */
export const LOG_TAIL_BYTES = 1024 * 1024;

/**
 * Lines a followed log keeps in memory: past LOG_MAX_LINES its oldest are dropped down to
 * LOG_KEEP_LINES (at once, not line by line, so the view is laid out again only now and then), as
 * GitHub Actions and GitLab show only a live log's end. A verbose test run prints hundreds of
 * thousands of lines, each parsed line a few hundred bytes of the page's memory. Lines read back
 * on demand ("Show 1 MiB more") raise the limit by as many.
 */
export const LOG_MAX_LINES = 50_000;
export const LOG_KEEP_LINES = 40_000;

const encoder = new TextEncoder();

/** A part of the log: its text from a line start (or the log's start), and where that is. */
export interface LogWindow {
  /** Byte offset where `text` starts: 0, just after a line end, or a cut in a line longer than LONG_LINE_BYTES. */
  from: number;
  text: string;
  /** Byte offset where `text` ends. */
  to: number;
}

/**
 * A line longer than this is shown in parts (each from a cut, as a line of its own): reading it
 * back to its start could otherwise pull a whole log of one line into the page for one click.
 */
const LONG_LINE_BYTES = LOG_WHOLE_BYTES;

/** Index just after the first line end that has text after it; -1 when there is none. */
function firstLineStart(text: string): number {
  const cut = text.indexOf('\n') + 1;
  return cut > 0 && cut < text.length ? cut : -1;
}

async function page(
  client: Kiln,
  jobId: string,
  buildNo: number,
  query: Record<string, string>,
  size = LOG_TAIL_BYTES,
) {
  const res = await client.downloadBuildRealTimeLog({
    params: { job_id: jobId, build_no: buildNo },
    query: { size: String(size), ...query },
  });
  return res.result;
}

/**
 * The window before byte `end` (a line start, or a cut in a long line), from a line start: the
 * page (LOG_TAIL_BYTES) before it, and the pages before that while none holds a line start, so a
 * line longer than a page is shown whole. (A page holding only that line's end used to answer
 * "nothing whole here, go on from `end`": the same page again, so nothing before such a line could
 * be reached.) Pages are read DESC to `end_offset`: each starts at a whole character, and the next
 * ends where it starts.
 */
export async function readEarlier(
  client: Kiln,
  jobId: string,
  buildNo: number,
  end: number,
): Promise<LogWindow> {
  let text = '';
  let from = end;
  while (from > 0 && end - from < LONG_LINE_BYTES) {
    const got = await page(client, jobId, buildNo, { sort: 'DESC', end_offset: String(from) });
    const start = Number(got.start_offset);
    // A page that does not reach back (not expected) ends the read rather than asking it again.
    if (start >= from) break;
    text = got.log + text;
    from = start;
    const cut = from > 0 ? firstLineStart(text) : -1;
    if (cut > 0)
      return { from: from + encoder.encode(text.slice(0, cut)).length, text: text.slice(cut), to: end };
  }
  // The log's start, or a cut in a line longer than LONG_LINE_BYTES.
  return { from, text, to: end };
}

/**
 * The end of the log when it is longer than LOG_WHOLE_BYTES (its last LOG_TAIL_BYTES, from a line
 * start); undefined when it should be read whole.
 */
export async function readTail(client: Kiln, jobId: string, buildNo: number): Promise<LogWindow | undefined> {
  // Its last 4 bytes (the smallest page) say how long it is: a short log is then read once, whole.
  const probe = await page(client, jobId, buildNo, { sort: 'DESC' }, 4);
  const end = Number(probe.end_offset);
  if (end <= LOG_WHOLE_BYTES) return undefined;
  return readEarlier(client, jobId, buildNo, end);
}

/**
 * The last `max` lines of `text` (the unfinished last line counts), and its bytes and lines before
 * them: a stage's log is read whole (DownloadTaskLog) but only its end is kept.
 */
export function lastLines(
  text: string,
  max: number,
): { kept: string; skipped: number; skippedLines: number } {
  let at = text.length;
  // The unfinished last line, or the line end that closes the text, is not a line start.
  if (text.endsWith('\n')) at -= 1;
  for (let n = 0; n < max; n++) {
    // Nothing before `at` (lastIndexOf would find a line end at 0 again): the text is all kept.
    at = at <= 0 ? -1 : text.lastIndexOf('\n', at - 1);
    if (at < 0) return { kept: text, skipped: 0, skippedLines: 0 };
  }
  const cut = at + 1;
  const before = text.slice(0, cut);
  let skippedLines = 0;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) skippedLines++;
  return {
    kept: text.slice(cut),
    skipped: encoder.encode(before).length,
    skippedLines,
  };
}
