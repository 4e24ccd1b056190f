import { invalidParam } from './errors.ts';

/** A query parameter that must be one of `allowed` (any case); otherwise a 400 naming them. */
export function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value.toLowerCase());
  if (found === undefined)
    throw invalidParam(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
  return found;
}

/** A true/false query parameter (absent or empty: false); anything else is a 400 that says so. */
export function flag(name: string, value: string | undefined): boolean {
  return value !== undefined && value !== '' && oneOf(name, value, ['true', 'false']) === 'true';
}
