/**
 * Kiln cannot start with its settings as they are. The message says which setting and why, and
 * is all `kiln serve` prints (exit 2): no stack, and no database or admin created.
 */
export class StartRefusedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The message at the bottom of an error's causes (the system's own: ECONNREFUSED, EACCES...). */
export function rootMessage(error: unknown): string {
  let inner = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  return inner instanceof Error ? inner.message : String(inner);
}
