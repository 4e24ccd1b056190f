import type { Kiln } from '../../../src/client/kiln-client.ts';

/**
 * Large logs are not read whole: a build page shows the last LOG_TAIL_BYTES of a log longer than
 * LOG_WHOLE_BYTES, follows it from there, and reads earlier parts on demand, a window at a time
 * (DownloadBuildRealTimeLog pages by byte offsets). A stage's log (ShowActionIInfo by stage, the
 * same pages in the stage's part) is read from its end whatever its size, then followed by offset.
 * A window that starts inside a line starts at the next line instead, so every line shown is whole;
 * a line longer than a window is read back to its start (one longer than LONG_LINE_BYTES is shown in
 * parts).
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

/** What a page of a log is asked by: DESC pages back from `end_offset` (absent: the end). */
export interface PageQuery {
  sort?: 'DESC';
  start_offset?: number;
  end_offset?: number;
  /** Most bytes of the page (LOG_TAIL_BYTES when absent); only the build log's pages take it. */
  size?: number;
}

/** A page of a log by byte offsets: DownloadBuildRealTimeLog's or ShowActionIInfo's. */
export type LogPages = (query: PageQuery) => Promise<{
  start_offset: string;
  end_offset: string;
  has_more: boolean;
  log: string;
}>;

/** Pages of a build's whole log (DownloadBuildRealTimeLog). */
export function buildLogPages(client: Kiln, jobId: string, buildNo: number): LogPages {
  return async ({ size = LOG_TAIL_BYTES, ...query }) =>
    (
      await client.downloadBuildRealTimeLog({
        params: { job_id: jobId, build_no: buildNo },
        query: { size: String(size), ...query },
      })
    ).result;
}

/**
 * Pages of one stage's part of the log (ShowActionIInfo with Kiln's `stage`: offsets count from the
 * stage's start; a page is at most LOG_TAIL_BYTES, the operation's largest).
 */
export function stageLogPages(
  client: Kiln,
  jobId: string,
  buildNo: number,
  stage: string,
  signal?: AbortSignal,
): LogPages {
  return async ({ start_offset = 0, end_offset = 0, sort }) =>
    (
      await client.showActionIInfo(
        {
          query: { job_id: jobId, build_no: buildNo, stage, start_offset, end_offset, ...(sort && { sort }) },
        },
        signal && { signal },
      )
    ).result;
}

/**
 * The window before byte `end` (a line start, or a cut in a long line; undefined: the log's end),
 * from a line start: the page (LOG_TAIL_BYTES) before it, and the pages before that while none
 * holds a line start, so a line longer than a page is shown whole. (A page holding only that line's
 * end used to answer "nothing whole here, go on from `end`": the same page again, so nothing before
 * such a line could be reached.) Pages are read DESC to `end_offset`: each starts at a whole
 * character, and the next ends where it starts.
 */
export async function readEarlier(pages: LogPages, end?: number): Promise<LogWindow> {
  let text = '';
  let from = end;
  let to = end;
  while (from === undefined || to === undefined || (from > 0 && to - from < LONG_LINE_BYTES)) {
    const got = await pages({ sort: 'DESC', ...(from !== undefined && { end_offset: from }) });
    const start = Number(got.start_offset);
    to ??= Number(got.end_offset);
    // A page that does not reach back (not expected) ends the read rather than asking it again.
    if (from !== undefined && start >= from) break;
    text = got.log + text;
    from = start;
    const cut = from > 0 ? firstLineStart(text) : -1;
    if (cut > 0) return { from: from + encoder.encode(text.slice(0, cut)).length, text: text.slice(cut), to };
  }
  // The log's start, or a cut in a line longer than LONG_LINE_BYTES.
  return { from: from ?? 0, text, to: to ?? 0 };
}

/**
 * The end of the build's log when it is longer than LOG_WHOLE_BYTES (its last LOG_TAIL_BYTES, from
 * a line start); undefined when it should be read whole.
 */
export async function readTail(pages: LogPages): Promise<LogWindow | undefined> {
  // Its last 4 bytes (the smallest page) say how long it is: a short log is then read once, whole.
  const probe = await pages({ sort: 'DESC', size: 4 });
  const end = Number(probe.end_offset);
  if (end <= LOG_WHOLE_BYTES) return undefined;
  return readEarlier(pages, end);
}

/**
 * The bytes of a log from `from` up to its end as now stored, a page (LOG_TAIL_BYTES) at a time,
 * with where they end: a stage's log is followed this way, asking only for what came since.
 */
export async function readFrom(pages: LogPages, from: number): Promise<LogWindow> {
  let text = '';
  let to = from;
  for (;;) {
    const got = await pages({ start_offset: to });
    text += got.log;
    const end = Number(got.end_offset);
    // A page short of a full one has reached what is stored (a page stops short of a full one by
    // at most a character cut in two); has_more is true all along while the part may still grow.
    const full = end - to > LOG_TAIL_BYTES - 4;
    to = Math.max(to, end);
    if (!got.has_more || !full) return { from, text, to };
  }
}
