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
import { formatCount } from '../lib/format.ts';

/** Lines drawn at once; a longer log shows its end, with a button for the rest. */
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
}: {
  buffer: LogBuffer;
  version: number;
  live: boolean;
  label?: string;
  testId?: string;
}) {
  // The buffer grows in place (the same array when the last line is complete): `version` says when
  // it changed, so everything that reads the lines depends on it, not on the array's identity.
  const lines = useMemo(() => buffer.lines(), [buffer, version]);
  const [query, setQuery] = useState('');
  const [current, setCurrent] = useState(0);
  const [follow, setFollow] = useState(true);
  const [showAll, setShowAll] = useState(false);
  const box = useRef<HTMLDivElement>(null);

  const matches = useMemo(() => {
    if (query === '') return [];
    const q = query.toLowerCase();
    const out: number[] = [];
    lines.forEach((l, i) => l.text.toLowerCase().includes(q) && out.push(i));
    return out;
  }, [lines, version, query]);
  const start = showAll ? 0 : Math.max(0, lines.length - RENDER_LIMIT);
  const currentLine = matches.length > 0 ? matches[Math.min(current, matches.length - 1)] : undefined;

  // Before the browser paints: new lines never show with the end out of view for a frame.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow && query === '') el.scrollTop = el.scrollHeight;
  }, [lines, version, follow, query]);

  useEffect(() => {
    if (currentLine === undefined) return;
    if (currentLine < start) return setShowAll(true);
    box.current?.querySelector(`[data-line="${currentLine + 1}"]`)?.scrollIntoView({ block: 'center' });
  }, [currentLine, start]);

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
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
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
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow the
          end
        </label>
      </div>
      {start > 0 && (
        <button type="button" className="link-button" onClick={() => setShowAll(true)}>
          Show the first {formatCount(start)} lines too
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
        {lines.slice(start).map((line, i) => (
          <LineView
            key={start + i}
            line={line}
            n={start + i + 1}
            query={query}
            current={currentLine === start + i}
          />
        ))}
        {lines.length === 0 && (
          <div className="muted">{live ? 'Waiting for the first lines…' : 'The log is empty.'}</div>
        )}
      </div>
    </div>
  );
}
