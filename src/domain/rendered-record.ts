import type { Build } from './build.ts';

/**
 * How a finished build's record reads in the records list (its JSON text), so that the store can
 * keep it beside the build: a finished build's record never changes, and a page of finished builds
 * is then its stored texts joined, with nothing mapped or serialized per request.
 *
 * `format` names the rendering. The store keeps it with each text and uses a text only when its
 * format is the current one: change it whenever `render`'s output for a stored build would change,
 * and builds rendered before read as unrendered (made per request) again.
 */
export interface RecordRenderer {
  readonly format: number;
  /** The record of a finished build; it must depend on nothing but the build. */
  render(build: Build): string;
}
