import type { OperationId } from '../../contract/operations.ts';
import type { Engine } from '../../engine/engine.ts';
import type { OpHandler } from '../operation-routes.ts';

/** What route handlers are built from. */
export interface RouteDeps {
  engine: Engine;
  /** Base URL for the IAM catalog; from the request when unset. */
  publicUrl?: string | undefined;
}

/** Handlers for a subset of the operations. */
export type HandlerGroup<K extends OperationId> = { [P in K]: OpHandler<P> };

/** The style-A success envelope. */
export function ok<T>(result: T): { result: T; error: null; status: string } {
  return { result, error: null, status: 'success' };
}

/** `{status, error, result}` of an operation with nothing to return (`result: null`). */
export const DONE = { status: 'success', error: null, result: null } as const;

/** `{status: "success"}`. */
export const SUCCESS = { status: 'success' } as const;
