/**
 * Counts requests in flight so the page can show that something is happening. A request shows
 * only once it has taken a moment, so the quick polls of a live log do not make the bar flicker.
 */
type Listener = (busy: boolean) => void;

const SHOW_AFTER_MS = 200;
let pending = 0;
let slow = 0;
const listeners = new Set<Listener>();

function emit(): void {
  for (const l of listeners) l(slow > 0);
}

/** Tracks a promise; returns it unchanged. */
export function track<T>(promise: Promise<T>): Promise<T> {
  pending++;
  let shown = false;
  const timer = setTimeout(() => {
    shown = true;
    slow++;
    emit();
  }, SHOW_AFTER_MS);
  const done = () => {
    pending--;
    clearTimeout(timer);
    if (shown) {
      slow--;
      emit();
    }
  };
  promise.then(done, done);
  return promise;
}

/** Calls `listener` whenever the page turns busy or idle; returns the unsubscribe. */
export function onBusyChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Requests in flight right now. */
export function pendingRequests(): number {
  return pending;
}
