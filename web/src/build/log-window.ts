import type { Kiln } from '../../../src/client/kiln-client.ts';

/**
 * Large logs are not read whole: a build page shows the last LOG_TAIL_BYTES of a log longer than
 * LOG_WHOLE_BYTES, follows it from there, and reads earlier parts on demand, a window at a time
 * (DownloadBuildRealTimeLog pages by byte offsets). A window that starts inside a line starts at
 * the next line instead, so every line shown is whole.
 */

/** A log up to this size is read whole. */
export const LOG_WHOLE_BYTES = 4 * 1024 * 1024;
/** What is read of a longer log first, from its end; and each earlier window (the API's largest page). */
export const LOG_TAIL_BYTES = 1024 * 1024;

const encoder = new TextEncoder();

/** A part of the log: its text from a line start (or the log's start), and where that is. */
export interface LogWindow {
  /** Byte offset where `text` starts: 0, or just after a line end. */
  from: number;
  text: string;
  /** Byte offset where `text` ends. */
  to: number;
}

/** The page's text from its first whole line on (all of it when the page starts the log). */
function fromLineStart(text: string, start: number, end: number): LogWindow {
  if (start === 0) return { from: 0, text, to: end };
  const cut = text.indexOf('\n');
  // A page with no line end at all is one long line's middle: nothing whole to show of it.
  if (cut < 0) return { from: end, text: '', to: end };
  return { from: start + encoder.encode(text.slice(0, cut + 1)).length, text: text.slice(cut + 1), to: end };
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
 * The end of the log when it is longer than LOG_WHOLE_BYTES (its last LOG_TAIL_BYTES, from a line
 * start); undefined when it should be read whole.
 */
export async function readTail(client: Kiln, jobId: string, buildNo: number): Promise<LogWindow | undefined> {
  // Its last 4 bytes (the smallest page) say how long it is: a short log is then read once, whole.
  const probe = await page(client, jobId, buildNo, { sort: 'DESC' }, 4);
  const end = Number(probe.end_offset);
  if (end <= LOG_WHOLE_BYTES) return undefined;
  const last = await page(client, jobId, buildNo, { sort: 'DESC', end_offset: String(end) });
  return fromLineStart(last.log, Number(last.start_offset), end);
}

/** The window before byte `before` (a line start): up to LOG_TAIL_BYTES, from a line start. */
export async function readEarlier(
  client: Kiln,
  jobId: string,
  buildNo: number,
  before: number,
): Promise<LogWindow> {
  const start = Math.max(0, before - LOG_TAIL_BYTES);
  const got = await page(client, jobId, buildNo, {
    sort: 'ASC',
    start_offset: String(start),
    end_offset: String(before),
  });
  return fromLineStart(got.log, Number(got.start_offset), Number(got.end_offset));
}
