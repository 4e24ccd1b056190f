/**
 * The job page's time window: a preset relative to now, or a custom pair of instants. It lives in
 * the URL (`?window=7d`, or `?from=...&to=...` as ISO instants) so a link shows the same history.
 */

export const PRESETS = [
  { id: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;

/** A preset id. */
export type PresetId = (typeof PRESETS)[number]['id'];

/** What the URL says about the window. */
export type WindowSpec = { kind: 'preset'; preset: PresetId } | { kind: 'custom'; from: number; to: number };

export const DEFAULT_WINDOW: WindowSpec = { kind: 'preset', preset: '7d' };

/**
 * Builds a moment ago may be stamped by a server clock a little ahead of the browser's; a preset's
 * end reaches this far past "now" so they still show.
 */
const CLOCK_SLACK_MS = 60_000;

/** The window as instants (epoch ms, both inclusive). */
export function resolveWindow(spec: WindowSpec, now: number): { from: number; to: number } {
  if (spec.kind === 'custom') return { from: spec.from, to: spec.to };
  const preset = PRESETS.find((p) => p.id === spec.preset) ?? PRESETS[1];
  return { from: now - preset.ms, to: now + CLOCK_SLACK_MS };
}

function parseInstant(text: string | null): number | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Reads the window from URL parameters; anything unreadable falls back to the default. */
export function windowFromParams(params: URLSearchParams): WindowSpec {
  const from = parseInstant(params.get('from'));
  const to = parseInstant(params.get('to'));
  if (from !== undefined && to !== undefined && from <= to) return { kind: 'custom', from, to };
  const preset = PRESETS.find((p) => p.id === params.get('window'));
  return preset ? { kind: 'preset', preset: preset.id } : DEFAULT_WINDOW;
}

/** Writes the window into URL parameters (and removes what the other kind uses). */
export function windowToParams(spec: WindowSpec, params: URLSearchParams): void {
  params.delete('window');
  params.delete('from');
  params.delete('to');
  if (spec.kind === 'preset') params.set('window', spec.preset);
  else {
    params.set('from', new Date(spec.from).toISOString());
    params.set('to', new Date(spec.to).toISOString());
  }
}

/** A stable text key of a spec (for effects and comparisons). */
export function windowKey(spec: WindowSpec): string {
  return spec.kind === 'preset' ? spec.preset : `${spec.from}-${spec.to}`;
}

/** Words for a spec, for headings and notes. */
export function describeWindow(spec: WindowSpec): string {
  if (spec.kind === 'preset') return (PRESETS.find((p) => p.id === spec.preset) ?? PRESETS[1]).label;
  const f = (ms: number) => new Date(ms).toLocaleString();
  return `${f(spec.from)} – ${f(spec.to)}`;
}

/** `yyyy-MM-ddTHH:mm` in the viewer's zone, what <input type="datetime-local"> shows. */
export function toLocalInput(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The instant a datetime-local value means in the viewer's zone, or undefined. */
export function fromLocalInput(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(text)) return undefined;
  const ms = new Date(text).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}
