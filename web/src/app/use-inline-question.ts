import { useEffect, useRef, type RefObject } from 'react';

/**
 * The focus of a question asked in place of the button that opens it (Copy…, Delete…): the button
 * goes with the focus, so while `asking` the focus goes to `first` of the question, and back to
 * the button (`opener`) when the question is cancelled (Cancel or Escape; `cancelled()` before the
 * state changes). An answer that leaves the page moves the focus elsewhere by itself.
 */
export function useInlineQuestion<F extends HTMLElement>(
  asking: boolean,
): { opener: RefObject<HTMLButtonElement | null>; first: RefObject<F | null>; cancelled: () => void } {
  const opener = useRef<HTMLButtonElement>(null);
  const first = useRef<F>(null);
  const cancelledRef = useRef(false);
  useEffect(() => {
    if (asking) first.current?.focus();
    else if (cancelledRef.current) opener.current?.focus();
    cancelledRef.current = false;
  }, [asking]);
  return {
    opener,
    first,
    cancelled: () => {
      cancelledRef.current = true;
    },
  };
}
