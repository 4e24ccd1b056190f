/** How times, durations and states read on the dashboard. */

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** An instant in the viewer's zone and locale. */
export function formatLocalTime(epochMs: number): string {
  return epochMs > 0 ? dateTime.format(new Date(epochMs)) : '–';
}

/** `3 min ago`, `2 days ago`. */
export function formatAgo(epochMs: number, now = Date.now()): string {
  if (epochMs <= 0) return 'never';
  const s = Math.max(0, Math.round((now - epochMs) / 1000));
  if (s < 60) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

/**
 * Someone's text (a job name) inside a plain string (a page title, an SVG label): between FIRST
 * STRONG ISOLATE and POP DIRECTIONAL ISOLATE, so direction controls in it (U+202E is allowed in a
 * job name) cannot reorder the text around it. In markup, <bdi> does the same.
 */
export function isolated(text: string): string {
  return `\u2068${text}\u2069`;
}

/** The first 8 characters of a commit id. */
export function shortCommit(id: string): string {
  return id.slice(0, 8);
}

/** `1,000,000` in the viewer's locale. */
export function formatCount(n: number): string {
  return n.toLocaleString();
}

/** `1 build`, `1,000 builds`: a count and its noun, singular for exactly one. */
export function formatCountOf(n: number, noun: string): string {
  return `${formatCount(n)} ${n === 1 ? noun : `${noun}s`}`;
}
