import { useEffect, useRef, useState, type DependencyList } from 'react';

/** The state of a load. */
export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
}

/**
 * Runs `load` when `deps` change and keeps its latest answer. An answer to an older run is
 * dropped, so a quick change of page or window never shows a stale page. The previous data stays
 * on screen while the next load runs (with `loading` set), so a refresh does not blank the page.
 */
export function useAsync<T>(
  load: () => Promise<T>,
  deps: DependencyList,
): AsyncState<T> & { reload(): void } {
  const [state, setState] = useState<AsyncState<T>>({ data: undefined, error: undefined, loading: true });
  const [nonce, setNonce] = useState(0);
  const run = useRef(0);
  useEffect(() => {
    const mine = ++run.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === run.current && setState({ data, error: undefined, loading: false }),
      (error: unknown) => mine === run.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
    // `load` is a new closure each render; what it depends on is listed in `deps`.
  }, [...deps, nonce]);
  return { ...state, reload: () => setNonce((n) => n + 1) };
}
