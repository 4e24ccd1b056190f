import {
  memo,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type CSSProperties,
  type KeyboardEvent,
} from 'react';
import type { AnsiStyle } from '../lib/ansi.ts';
import { markMatches, type LogBuffer, type LogLine } from '../lib/log-buffer.ts';
import { logSections, positionOf, shownLines } from '../lib/log-sections.ts';
import { formatCount } from '../lib/format.ts';
import { formatBytes } from '../../../src/domain/artifact-text.ts';

/**
 * Lines drawn at once: the DOM holds a window of the lines read (their end while following), with
 * buttons that move it, so a long log costs what this many lines cost.
 */
const RENDER_LIMIT = 5000;

function css(style: AnsiStyle): CSSProperties | undefined {
  if (!style.fg && !style.bg && !style.bold && !style.dim && !style.italic && !style.underline)
    return undefined;
  return {
    color: style.fg,
    backgroundColor: style.bg,
    fontWeight: style.bold ? 700 : undefined,
    opacity: style.dim ? 0.7 : undefined,
    fontStyle: style.italic ? 'italic' : undefined,
    textDecoration: style.underline ? 'underline' : undefined,
  };
}

const LineView = memo(function LineView({
  line,
  n,
  query,
  current,
}: {
  line: LogLine;
  n: number;
  query: string;
  current: boolean;
}) {
  const runs =
    query !== '' && line.text.toLowerCase().includes(query.toLowerCase())
      ? markMatches(line.runs, query)
      : line.runs;
  return (
    <div className={current ? 'log-line current' : 'log-line'} data-line={n}>
      <span className="ln" aria-hidden="true">
        {n}
      </span>
      <span className="lt">
        {runs.map((r, i) =>
          'mark' in r && r.mark ? (
            <mark key={i} style={css(r.style)}>
              {r.text}
            </mark>
          ) : (
            <span key={i} style={css(r.style)}>
              {r.text}
            </span>
          ),
        )}
      </span>
    </div>
  );
});

/** What a step's section header says of it (from the build's stages). */
export interface SectionInfo {
  label: string;
  badge: string;
  time: string;
}

/** A step's first line: a button that folds or unfolds its lines, with the step's status and time. */
function SectionHeader({
  line,
  n,
  folded,
  info,
  lineCount,
  onToggle,
}: {
  line: LogLine;
  n: number;
  folded: boolean;
  info: SectionInfo | undefined;
  lineCount: number;
  onToggle: () => void;
}) {
  return (
    <div className="log-line log-section" data-line={n}>
      <span className="ln" aria-hidden="true">
        {n}
      </span>
      <button type="button" className="lt section-toggle" aria-expanded={!folded} onClick={onToggle}>
        <span aria-hidden="true">{folded ? '▸' : '▾'}</span> {line.text}
        {info && (
          <>
            {' '}
            <span className={`badge badge-${info.badge}`}>{info.label}</span>{' '}
            <span className="section-time">{info.time}</span>
          </>
        )}
        {folded && <span className="section-time"> · {formatCount(lineCount)} lines folded</span>}
      </button>
    </div>
  );
}

/**
 * The build log: ANSI colours, a search that marks matches and steps through them (Enter, Shift+Enter),
 * and following the end while new lines arrive, until the reader scrolls up.
 */
export function LogView({
  buffer,
  version,
  live,
  label = 'Build log',
  testId = 'log',
  skipped = 0,
  onLoadEarlier,
  sectionInfo,
}: {
  buffer: LogBuffer;
  version: number;
  live: boolean;
  label?: string;
  testId?: string;
  /** Bytes of the log before its first line shown (a long log is read from its end). */
  skipped?: number;
  /** Reads the part before what is shown. */
  onLoadEarlier?: () => Promise<void>;
  /** A step's status and time, shown on its section's first line (the stages'). */
  sectionInfo?: (step: number) => SectionInfo | undefined;
}) {
  // The buffer grows in place (the same array when the last line is complete): `version` says when
  // it changed, so everything that reads the lines depends on it, not on the array's identity.
  const lines = useMemo(() => buffer.lines(), [buffer, version]);
  const [query, setQuery] = useState('');
  const [current, setCurrent] = useState(0);
  const [follow, setFollow] = useState(true);
  // The line after the window's last one; null: the end, as lines arrive.
  const [windowEnd, setWindowEnd] = useState<number | null>(null);
  const [loading, setLoading] = useState<'' | 'loading' | 'failed'>('');
  // Steps whose lines are folded to their first line.
  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(new Set());
  const sections = useMemo(() => logSections(lines), [lines, version]);
  const headers = useMemo(() => new Map(sections.map((s) => [s.start, s])), [sections]);
  const shown = useMemo(
    () => shownLines(lines.length, sections, collapsed),
    [lines, version, sections, collapsed],
  );
  const count = shown ? shown.length : lines.length;
  const lineAt = (position: number) => (shown ? (shown[position] as number) : position);
  const toggle = (step: number) =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (!next.delete(step)) next.add(step);
      return next;
    });
  const box = useRef<HTMLDivElement>(null);
  const loadEarlier = async () => {
    if (!onLoadEarlier) return;
    setLoading('loading');
    try {
      await onLoadEarlier();
      // The reader asked for the lines above: show the first of them, and stop following the end.
      setFollow(false);
      setWindowEnd(RENDER_LIMIT);
      box.current?.scrollTo({ top: 0 });
      setLoading('');
    } catch {
      setLoading('failed');
    }
  };

  const matches = useMemo(() => {
    if (query === '') return [];
    const q = query.toLowerCase();
    const out: number[] = [];
    lines.forEach((l, i) => l.text.toLowerCase().includes(q) && out.push(i));
    return out;
  }, [lines, version, query]);
  // The window is over the lines shown (folded sections leave theirs out): positions in `shown`.
  const end = windowEnd === null ? count : Math.min(windowEnd, count);
  const start = Math.max(0, end - RENDER_LIMIT);
  const moveWindow = (to: number) => {
    setFollow(false);
    setWindowEnd(to >= count ? null : Math.max(Math.min(RENDER_LIMIT, count), to));
  };
  const currentLine = matches.length > 0 ? matches[Math.min(current, matches.length - 1)] : undefined;

  // Before the browser paints: new lines never show with the end out of view for a frame.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow && query === '') el.scrollTop = el.scrollHeight;
  }, [lines, version, follow, query]);

  useEffect(() => {
    if (currentLine === undefined) return;
    // A match in a folded section unfolds it.
    const folding = sections.find(
      (s) => collapsed.has(s.step) && currentLine > s.start && currentLine < s.end,
    );
    if (folding) return toggle(folding.step);
    const at = shown ? positionOf(shown, currentLine) : currentLine;
    if (at < start || at >= end) return moveWindow(at + RENDER_LIMIT / 2);
    box.current?.querySelector(`[data-line="${currentLine + 1}"]`)?.scrollIntoView({ block: 'center' });
  }, [currentLine, start, end, shown]);

  const step = (delta: number) => {
    if (matches.length === 0) return;
    setFollow(false);
    setCurrent((c) => (c + delta + matches.length) % matches.length);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      step(e.shiftKey ? -1 : 1);
    } else if (e.key === 'Escape') setQuery('');
  };
  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    // At the box's end follows again, unless the window shown is not the log's end.
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 24 && windowEnd === null;
    if (atEnd !== follow) setFollow(atEnd);
  };

  return (
    <div className="log">
      <div className="log-toolbar">
        <label className="inline-field">
          Search log{' '}
          <input
            type="search"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setCurrent(0);
            }}
            onKeyDown={onKey}
            placeholder="text to find"
          />
        </label>
        <span className="muted" role="status" data-testid="log-matches">
          {query === ''
            ? ''
            : matches.length === 0
              ? 'no matches'
              : `${(current % matches.length) + 1} of ${formatCount(matches.length)} lines`}
        </span>
        <button
          type="button"
          onClick={() => step(-1)}
          disabled={matches.length === 0}
          aria-label="Previous match"
        >
          ↑
        </button>
        <button type="button" onClick={() => step(1)} disabled={matches.length === 0} aria-label="Next match">
          ↓
        </button>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={follow}
            onChange={(e) => {
              setFollow(e.target.checked);
              if (e.target.checked) setWindowEnd(null);
            }}
          />{' '}
          Follow the end
        </label>
      </div>
      {skipped > 0 && (
        <p className="note log-skipped" data-testid="log-skipped">
          This log is long: the first {formatBytes(skipped)} are not shown (search looks through what is
          shown; Download log has all of it).{' '}
          <button
            type="button"
            className="link-button"
            onClick={loadEarlier}
            disabled={loading === 'loading'}
          >
            {loading === 'loading' ? 'Loading…' : 'Show 1 MiB more'}
          </button>
          {loading === 'failed' && <span role="alert"> The earlier part could not be read.</span>}
        </p>
      )}
      {start > 0 && (
        <button type="button" className="link-button" onClick={() => moveWindow(end - RENDER_LIMIT)}>
          Show {formatCount(Math.min(start, RENDER_LIMIT))} earlier lines ({formatCount(start)} above)
        </button>
      )}
      <div
        ref={box}
        className="log-lines"
        role="log"
        aria-live={live ? 'polite' : 'off'}
        aria-label={label}
        tabIndex={0}
        onScroll={onScroll}
        data-testid={testId}
      >
        {Array.from({ length: end - start }, (_, k) => {
          const i = lineAt(start + k);
          const line = lines[i] as LogLine;
          const section = headers.get(i);
          return section ? (
            <SectionHeader
              key={i}
              line={line}
              n={i + 1}
              folded={collapsed.has(section.step)}
              info={sectionInfo?.(section.step)}
              lineCount={section.end - section.start - 1}
              onToggle={() => toggle(section.step)}
            />
          ) : (
            <LineView key={i} line={line} n={i + 1} query={query} current={currentLine === i} />
          );
        })}
        {lines.length === 0 && (
          <div className="muted">{live ? 'Waiting for the first lines…' : 'The log is empty.'}</div>
        )}
      </div>
      {end < lines.length && (
        <button type="button" className="link-button" onClick={() => moveWindow(end + RENDER_LIMIT)}>
          Show {formatCount(Math.min(lines.length - end, RENDER_LIMIT))} later lines (
          {formatCount(lines.length - end)} below; the end follows new lines again)
        </button>
      )}
    </div>
  );
}
