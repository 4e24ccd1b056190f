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
import { logSections, positionOf, shownLines, type StepRange } from '../lib/log-sections.ts';
import { formatCount, formatCountOf } from '../lib/format.ts';
import { BLOCK_LINES, BlockHeights } from '../lib/log-blocks.ts';
import { formatBytes } from '../../../src/domain/artifact-text.ts';

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
        {folded && <span className="section-time"> · {formatCountOf(lineCount, 'line')} folded</span>}
      </button>
    </div>
  );
}

/** Whether the box is scrolled to within a line of `height`, the end of its content. */
function atEnd(el: HTMLElement, height: number): boolean {
  return height - el.scrollTop - el.clientHeight < 24;
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
  onDownload,
  steps,
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
  /** Saves the whole log (offered when only its end is shown). */
  onDownload?: () => Promise<void>;
  /**
   * Where each step's bytes are in the log (the stages'): its lines are a section. Without them
   * there is none: no line of the log's text makes one.
   */
  steps?: readonly StepRange[] | undefined;
  /** A step's status and time, shown on its section's first line (the stages'). */
  sectionInfo?: (step: number) => SectionInfo | undefined;
}) {
  // The buffer grows in place (the same array when the last line is complete): `version` says when
  // it changed, so everything that reads the lines depends on it, not on the array's identity.
  const lines = useMemo(() => buffer.lines(), [buffer, version]);
  // Lines numbered from the first one read: those a long live log dropped (LogBuffer.dropFirst) still count.
  const base = buffer.dropped;
  const [query, setQuery] = useState('');
  const [current, setCurrent] = useState(0);
  const [follow, setFollow] = useState(true);
  // Where the box is scrolled and how high it is: only the lines near that are drawn (log-blocks.ts).
  const [scroll, setScroll] = useState({ top: 0, client: 0 });
  const heights = useRef(new BlockHeights()).current;
  const [, setMeasured] = useState(0);
  // The line a search moved to, to bring into view once its block is drawn.
  const jump = useRef<number | undefined>(undefined);
  const [loading, setLoading] = useState<'' | 'loading' | 'failed'>('');
  const [downloadFailed, setDownloadFailed] = useState(false);
  // Steps whose lines are folded to their first line.
  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(new Set());
  const sections = useMemo(
    () => (steps ? logSections(buffer.lineStarts(skipped), steps) : []),
    [lines, version, skipped, steps],
  );
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
  // The box's height as last laid out: a reader who scrolled down to the end just before new lines
  // came (their scroll event not yet seen) is at that end, not at the new one, and follows again.
  const laidOut = useRef(0);
  const loadEarlier = async () => {
    if (!onLoadEarlier) return;
    setLoading('loading');
    try {
      await onLoadEarlier();
      // The reader asked for the lines above: show the first of them, and stop following the end.
      setFollow(false);
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
  const currentLine = matches.length > 0 ? matches[Math.min(current, matches.length - 1)] : undefined;

  // The blocks drawn are over the lines shown (folded sections leave theirs out): positions in
  // `shown`. Folding, or lines read before the first, moves every line to another block.
  const layout = useRef<{ collapsed: ReadonlySet<number>; first: LogLine | undefined } | undefined>(
    undefined,
  );
  // Lines dropped from the front while the reader looks at earlier ones: the view moves up by their
  // height (guessed), so the lines in view stay there.
  const dropped = useRef(base);
  const shift = useRef(0);
  if (layout.current?.collapsed !== collapsed || layout.current.first !== lines[0]) {
    if (!follow && base > dropped.current) shift.current += (base - dropped.current) * heights.linePx();
    heights.clear();
    layout.current = { collapsed, first: lines[0] };
  }
  dropped.current = base;
  // Following: the end is in view, wherever the box was last scrolled to.
  const top =
    follow && query === ''
      ? Math.max(0, heights.total(count) - scroll.client)
      : Math.max(0, scroll.top - shift.current);
  const { from, to, above, below } = heights.range(count, top, scroll.client);

  // Before the browser paints: the blocks drawn are measured (drawing again while a guess was
  // wrong), and new lines never show with the end out of view for a frame.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (shift.current > 0) {
      el.scrollTop = Math.max(0, el.scrollTop - shift.current);
      shift.current = 0;
      setScroll({ top: el.scrollTop, client: el.clientHeight });
    }
    let changed = false;
    el.querySelectorAll<HTMLElement>('[data-block]').forEach((b) => {
      const n = Number(b.dataset.block);
      changed = heights.measure(n, BlockHeights.linesIn(n, count), b.offsetHeight) || changed;
    });
    if (changed) setMeasured((m) => m + 1);
    if (scroll.client !== el.clientHeight) setScroll({ top: el.scrollTop, client: el.clientHeight });
    const following = follow || (query === '' && el.scrollTop > scroll.top && atEnd(el, laidOut.current));
    if (following && !follow) setFollow(true);
    if (following && query === '') el.scrollTop = el.scrollHeight;
    laidOut.current = el.scrollHeight;
    const target = jump.current;
    if (target !== undefined) {
      const line = el.querySelector(`[data-line="${target + 1}"]`);
      if (line) {
        jump.current = undefined;
        line.scrollIntoView({ block: 'center' });
      }
    }
  });

  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const seen = new ResizeObserver(() => setScroll({ top: el.scrollTop, client: el.clientHeight }));
    seen.observe(el);
    return () => seen.disconnect();
  }, []);

  useEffect(() => {
    if (currentLine === undefined) return;
    // A match in a folded section unfolds it.
    const folding = sections.find(
      (s) => collapsed.has(s.step) && currentLine > s.start && currentLine < s.end,
    );
    if (folding) return toggle(folding.step);
    const el = box.current;
    if (!el) return;
    const line = el.querySelector(`[data-line="${currentLine + 1}"]`);
    if (line) {
      line.scrollIntoView({ block: 'center' });
      return;
    }
    // Not drawn: scroll to where its block is; the block is drawn, then the line brought into view.
    const at = shown ? positionOf(shown, currentLine) : currentLine;
    const block = Math.floor(at / BLOCK_LINES);
    jump.current = currentLine;
    el.scrollTop =
      heights.top(block, count) + (at - block * BLOCK_LINES) * heights.linePx() - el.clientHeight / 2;
  }, [currentLine, shown]);

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
    setScroll({ top: el.scrollTop, client: el.clientHeight });
    // At the box's end follows again.
    const end = atEnd(el, el.scrollHeight);
    if (end !== follow) setFollow(end);
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
            }}
          />{' '}
          Follow the end
        </label>
      </div>
      {skipped > 0 && (
        <p className="note log-skipped" data-testid="log-skipped">
          This log is long: the first {formatBytes(skipped)} are not shown, only the last{' '}
          {formatCount(lines.length)} lines; search looks through those.{' '}
          {onDownload ? (
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setDownloadFailed(false);
                onDownload().catch(() => setDownloadFailed(true));
              }}
            >
              Download the whole log
            </button>
          ) : (
            'Download log has all of it.'
          )}{' '}
          {onLoadEarlier && (
            <button
              type="button"
              className="link-button"
              onClick={loadEarlier}
              disabled={loading === 'loading'}
            >
              {loading === 'loading' ? 'Loading…' : 'Show 1 MiB more'}
            </button>
          )}
          {loading === 'failed' && <span role="alert"> The earlier part could not be read.</span>}
          {downloadFailed && <span role="alert"> The log could not be downloaded.</span>}
        </p>
      )}
      <div
        ref={box}
        className="log-lines"
        role="log"
        // Not a live region: a build can print hundreds of lines a second, and each would be read
        // out. The build page announces the build's state instead; the lines are read on request.
        aria-live="off"
        aria-label={label}
        tabIndex={0}
        onScroll={onScroll}
        data-testid={testId}
      >
        {above > 0 && <div style={{ height: above }} aria-hidden="true" />}
        {Array.from({ length: to - from }, (_, k) => {
          const block = from + k;
          const first = block * BLOCK_LINES;
          return (
            <div key={block} data-block={block}>
              {Array.from({ length: BlockHeights.linesIn(block, count) }, (_, j) => {
                const i = lineAt(first + j);
                const line = lines[i] as LogLine;
                const section = headers.get(i);
                return section ? (
                  <SectionHeader
                    key={i}
                    line={line}
                    n={base + i + 1}
                    folded={collapsed.has(section.step)}
                    info={sectionInfo?.(section.step)}
                    lineCount={section.end - section.start - 1}
                    onToggle={() => toggle(section.step)}
                  />
                ) : (
                  <LineView key={i} line={line} n={base + i + 1} query={query} current={currentLine === i} />
                );
              })}
            </div>
          );
        })}
        {below > 0 && <div style={{ height: below }} aria-hidden="true" />}
        {lines.length === 0 && (
          <div className="muted">{live ? 'Waiting for the first lines…' : 'The log is empty.'}</div>
        )}
      </div>
    </div>
  );
}
