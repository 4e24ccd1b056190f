import { useEffect, useState, type FormEvent } from 'react';
import { fromLocalInput, PRESETS, resolveWindow, toLocalInput, type WindowSpec } from '../lib/time-window.ts';

/** Picks the history window: a preset (applied at once) or a custom range in the viewer's time. */
export function WindowPicker({
  value,
  onChange,
}: {
  value: WindowSpec;
  onChange: (spec: WindowSpec) => void;
}) {
  const [mode, setMode] = useState<string>(value.kind === 'preset' ? value.preset : 'custom');
  const initial = resolveWindow(value, Date.now());
  const [from, setFrom] = useState(toLocalInput(initial.from));
  const [to, setTo] = useState(toLocalInput(Math.min(initial.to, Date.now())));
  const [problem, setProblem] = useState('');

  useEffect(() => {
    setMode(value.kind === 'preset' ? value.preset : 'custom');
    if (value.kind === 'custom') {
      setFrom(toLocalInput(value.from));
      setTo(toLocalInput(value.to));
    }
  }, [value]);

  const choose = (next: string) => {
    setMode(next);
    setProblem('');
    const preset = PRESETS.find((p) => p.id === next);
    if (preset) onChange({ kind: 'preset', preset: preset.id });
  };
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const f = fromLocalInput(from);
    const t = fromLocalInput(to);
    if (f === undefined || t === undefined) return setProblem('Give both times.');
    if (t < f) return setProblem('The end must not be before the start.');
    setProblem('');
    // The end minute is included whole.
    onChange({ kind: 'custom', from: f, to: t + 59_999 });
  };

  return (
    <div className="window-picker">
      <label className="inline-field">
        Time window{' '}
        <select value={mode} onChange={(e) => choose(e.target.value)}>
          {PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
          <option value="custom">Custom…</option>
        </select>
      </label>
      {mode === 'custom' && (
        <form className="custom-window" onSubmit={apply}>
          <label className="inline-field">
            From{' '}
            <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} required />
          </label>
          <label className="inline-field">
            To <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} required />
          </label>
          <button type="submit">Apply</button>
          {problem && (
            <span className="field-error" role="alert">
              {problem}
            </span>
          )}
        </form>
      )}
    </div>
  );
}
